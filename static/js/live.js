// forum: small enhancements on top of pages that already work without JavaScript.
//
// Nothing on a page depends on this script. Without it, replies go through the
// reply page, comments through the form's POST, and a reload shows what is new.
// With it: replies open in place, and a thread page follows its websocket
// (/ws/threads/{id}?after=…), so new comments, edits and removals appear as
// they happen, and the comment forms post over the socket while it is open.
(function () {
  "use strict";

  // Reply in place --------------------------------------------------------

  // Clone the page's comment form under the comment instead of following the
  // link to the reply page.
  function openReply(link) {
    var form = document.getElementById("comment-form");
    if (!form) return false;
    var li = link.closest("li.comment");
    if (!li) return false;
    var existing = li.querySelector(":scope > .comment-body > form.reply-form");
    if (existing) { existing.querySelector("textarea").focus(); return true; }
    var clone = form.cloneNode(true);
    clone.removeAttribute("id");
    clone.removeAttribute("aria-busy");
    clone.classList.add("reply-form");
    var parent = clone.querySelector('input[name="parent_id"]');
    if (!parent) {
      parent = document.createElement("input");
      parent.type = "hidden";
      parent.name = "parent_id";
      clone.appendChild(parent);
    }
    parent.value = link.getAttribute("data-reply");
    var textarea = clone.querySelector("textarea");
    var label = clone.querySelector("label");
    var id = "reply-body-" + parent.value;
    textarea.id = id;
    textarea.value = "";
    textarea.removeAttribute("aria-describedby");  // the page's error message is not cloned
    if (label) {
      label.htmlFor = id;
      // Keep the "(Markdown)" hint: only the label's leading words change.
      if (label.firstChild && label.firstChild.nodeType === Node.TEXT_NODE) label.firstChild.nodeValue = "Your reply ";
      else label.textContent = "Your reply";
    }
    var errors = clone.querySelectorAll(".error, .guard-live");
    for (var i = 0; i < errors.length; i++) errors[i].remove();
    var submit = clone.querySelector('button[type="submit"]');
    submit.textContent = "Post reply";
    submit.disabled = false;
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "link";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", function () { clone.remove(); link.focus(); });
    clone.appendChild(cancel);
    li.querySelector(":scope > .comment-body").appendChild(clone);
    textarea.focus();
    return true;
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.reply-link");
    if (link && openReply(link)) event.preventDefault();
  });

  // A live thread -----------------------------------------------------------

  var thread = document.getElementById("thread");
  var list = document.getElementById("comments");
  if (!thread || !list || !thread.getAttribute("data-thread") || !("WebSocket" in window)) return;
  follow(thread, list);

  function follow(thread, list) {
    // Reconnect after 0.5 s, doubling up to 30 s, each delay ±30 % so that a
    // server restart is not followed by every reader reconnecting at once.
    var BACKOFF_FIRST = 500;
    var BACKOFF_MAX = 30000;
    var JITTER = 0.3;
    // A connection that stayed up this long starts the backoff afresh when it drops.
    var STABLE_AFTER = 10000;
    var TYPING_EVERY = 3000;
    var TYPING_SHOWN = 4000;
    // "Near the bottom": the end of the list is at most this far below the window.
    var NEAR_BOTTOM = 120;
    // The server closes the socket on frames over 64 KiB: a longer comment goes by the form.
    var MAX_FRAME = 60000;
    var ACK_WAIT = 15000;
    // A posted comment that readers may not see (held for review) never comes
    // back over the socket: after this long, reload the list as the form would.
    var ARRIVAL_WAIT = 3000;

    var threadId = thread.getAttribute("data-thread");
    var viewerId = thread.getAttribute("data-viewer") || "";
    var heading = document.getElementById("comments-heading");
    var status = document.getElementById("live-status");
    var stateText = document.getElementById("live-state");
    var viewersText = document.getElementById("live-viewers");
    var typingText = document.getElementById("live-typing");
    var announcer = document.getElementById("live-announcer");

    var socket = null;
    var connected = false;
    var everConnected = false;
    var stopped = false;
    var openedAt = 0;
    var attempt = 0;
    var retryTimer = 0;
    var typingTimer = 0;
    var lastTypingSent = 0;
    // The highest comment id seen (on the page or over the socket): where a reconnect resumes.
    var lastId = highestId(list);
    var count = parseCount(heading);
    // New comments kept off the page so that nothing moves under a reader who
    // is scrolled up: {li, parentId}, in arrival (id) order.
    var held = [];
    // Forms whose post awaits the server's "posted" or "error", in the order sent.
    var pending = [];
    // The id of this viewer's own comment, acknowledged but not yet arrived,
    // and whether focus moves to it when it does (its reply form is gone).
    var arriving = 0;
    var arrivingFocus = false;
    var arrivalTimer = 0;
    // While a resync fetch is under way, the comment frames that arrive meanwhile,
    // to be applied again to the fetched list (which may predate them).
    var replay = null;
    var announceQueue = [];
    var announceTimer = 0;

    var newButton = document.createElement("button");
    newButton.type = "button";
    newButton.className = "live-new";
    newButton.hidden = true;
    newButton.addEventListener("click", function () { showHeld(true); });
    list.parentNode.insertBefore(newButton, list.nextSibling);

    // Comments in the page ------------------------------------------------

    function highestId(root) {
      var max = 0;
      var items = root.querySelectorAll("li.comment[data-id]");
      for (var i = 0; i < items.length; i++) max = Math.max(max, parseInt(items[i].getAttribute("data-id"), 10) || 0);
      return max;
    }

    function parseCount(el) {
      var match = el && /^[\d,]+/.exec(el.textContent.trim());
      return match ? parseInt(match[0].replace(/,/g, ""), 10) : 0;
    }

    function renderCount() {
      if (!heading) return;
      count = Math.max(0, count);
      heading.textContent = count.toLocaleString("en-US") + (count === 1 ? " comment" : " comments");
    }

    // A comment on the page, or held off it.
    function findComment(id) {
      var li = document.getElementById("c" + id);
      if (li && li.matches("li.comment")) return li;
      for (var i = 0; i < held.length; i++) {
        if (held[i].li.id === "c" + id) return held[i].li;
        li = held[i].li.querySelector("#c" + id);
        if (li) return li;
      }
      return null;
    }

    function parseComment(html) {
      var template = document.createElement("template");
      template.innerHTML = html.trim();
      var li = template.content.firstElementChild;
      return li && li.matches("li.comment") ? li : null;
    }

    // Shown to readers: not removed, held or hidden (those carry a "comment-<status>" class).
    function isPublished(li) {
      for (var i = 0; i < li.classList.length; i++) if (li.classList[i].indexOf("comment-") === 0) return false;
      return true;
    }

    function repliesOf(li) {
      var ol = li.querySelector(":scope > ol.replies");
      if (!ol) {
        ol = document.createElement("ol");
        ol.className = "replies";
        li.appendChild(ol);
      }
      return ol;
    }

    function hasReplies(li) {
      return !!li.querySelector(":scope > ol.replies > li.comment");
    }

    // Comments stay in id order within their list, whatever order they arrive in.
    function nextSibling(ol, li) {
      var id = parseInt(li.getAttribute("data-id"), 10);
      for (var child = ol.firstElementChild; child; child = child.nextElementSibling) {
        if (parseInt(child.getAttribute("data-id"), 10) > id) return child;
      }
      return null;
    }

    function insert(ol, li) {
      ol.insertBefore(li, nextSibling(ol, li));
    }

    // Whether inserting into `ol` now moves nothing the reader is looking at.
    function insertsQuietly(ol, li) {
      var height = document.documentElement.clientHeight;
      if (ol === list) {
        for (var i = 0; i < held.length; i++) if (!held[i].parentId) return false;  // keep their order
        var end = list.getBoundingClientRect().bottom;
        return end >= 0 && end <= height + NEAR_BOTTOM;
      }
      // A reply: anything at or below the top of the window may move down.
      var next = nextSibling(ol, li);
      var y = next ? next.getBoundingClientRect().top : ol.getBoundingClientRect().bottom;
      return y >= 0;
    }

    function heldCount() {
      var n = 0;
      for (var i = 0; i < held.length; i++) n += 1 + held[i].li.querySelectorAll("li.comment").length;
      return n;
    }

    function updateNewButton() {
      var n = heldCount();
      newButton.hidden = n === 0;
      newButton.textContent = n === 1 ? "1 new comment" : n + " new comments";
    }

    function place(li, parentId) {
      var parent = parentId ? findComment(parentId) : null;
      if (parent && !parent.isConnected) {
        insert(repliesOf(parent), li);  // its parent is held: it waits with it
        updateNewButton();
        return;
      }
      var ol = parent ? repliesOf(parent) : list;
      var own = viewerId !== "" && li.getAttribute("data-author") === viewerId;
      if (own) showHeld(false);  // the poster sees the conversation as it stands
      if (own || insertsQuietly(ol, li)) {
        insert(ol, li);
        return;
      }
      held.push({ li: li, parentId: parent ? parentId : null });
      updateNewButton();
    }

    // Put the held comments in the page; with `reveal`, scroll to the first.
    function showHeld(reveal) {
      if (!held.length) return;
      var items = held;
      held = [];
      var first = null;
      for (var i = 0; i < items.length; i++) {
        var parent = items[i].parentId ? findComment(items[i].parentId) : null;
        insert(parent ? repliesOf(parent) : list, items[i].li);
        if (!first || (items[i].li.compareDocumentPosition(first) & Node.DOCUMENT_POSITION_FOLLOWING)) first = items[i].li;
      }
      updateNewButton();
      if (reveal && first) {
        first.setAttribute("tabindex", "-1");
        first.scrollIntoView({ block: "start" });
        first.focus({ preventScroll: true });
      }
    }

    // Frames ---------------------------------------------------------------

    function onComment(comment, quiet) {
      if (!comment || typeof comment.id !== "number" || typeof comment.html !== "string") return;
      lastId = Math.max(lastId, comment.id);
      var fresh = parseComment(comment.html);
      if (!fresh) return;
      var existing = findComment(comment.id);
      if (existing) {
        replaceBody(existing, fresh);  // an edit (or a comment restored in place)
        return;
      }
      if (isPublished(fresh)) count += 1;
      renderCount();
      fresh.classList.add("is-new");
      place(fresh, comment.parent_id);
      var own = viewerId !== "" && fresh.getAttribute("data-author") === viewerId;
      if (!quiet && !own) announceComment(comment.author);
      if (comment.id === arriving) arrived(fresh);
    }

    // Swap the comment's own body for the new one; its replies, and a reply
    // form open under it, stay.
    function replaceBody(li, fresh) {
      var before = isPublished(li);
      var oldBody = li.querySelector(":scope > .comment-body");
      var newBody = fresh.querySelector(":scope > .comment-body");
      if (!newBody) return;
      if (oldBody) {
        var forms = oldBody.querySelectorAll(":scope > form.reply-form");
        for (var i = 0; i < forms.length; i++) newBody.appendChild(forms[i]);
        li.replaceChild(newBody, oldBody);
      } else {
        li.insertBefore(newBody, li.firstChild);
      }
      var isNew = li.classList.contains("is-new");
      li.className = fresh.className;
      if (isNew) li.classList.add("is-new");
      li.setAttribute("data-author", fresh.getAttribute("data-author") || "");
      count += (isPublished(li) ? 1 : 0) - (before ? 1 : 0);
      renderCount();
    }

    // A comment readers may no longer see: a placeholder where replies hang
    // from it, otherwise gone (and so is a placeholder left with no replies).
    function onHidden(id) {
      var li = findComment(id);
      if (!li) return;
      if (isPublished(li)) count -= 1;
      renderCount();
      if (hasReplies(li) || hasDraft(li)) {
        toPlaceholder(li);
      } else {
        var parent = drop(li);
        while (parent && !isPublished(parent) && !hasReplies(parent) && !hasDraft(parent)) parent = drop(parent);
      }
      updateNewButton();
    }

    function drop(li) {
      var parent = li.parentElement ? li.parentElement.closest("li.comment") : null;
      for (var i = 0; i < held.length; i++) if (held[i].li === li) held.splice(i, 1);
      li.remove();
      return parent;
    }

    function toPlaceholder(li) {
      var body = li.querySelector(":scope > .comment-body");
      if (!body) return;
      var forms = body.querySelectorAll(":scope > form.reply-form");
      var note = document.createElement("p");
      note.className = "placeholder";
      note.textContent = "Comment removed.";
      body.textContent = "";
      body.appendChild(note);
      for (var i = 0; i < forms.length; i++) body.appendChild(forms[i]);
      li.className = "comment comment-removed";
    }

    function onThread(locked) {
      var meta = thread.querySelector(".meta");
      var badge = null;
      var badges = meta ? meta.querySelectorAll(".badge") : [];
      for (var i = 0; i < badges.length; i++) if (badges[i].textContent.trim() === "Locked") badge = badges[i];
      if (locked && !badge && meta) {
        badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = "Locked";
        meta.insertBefore(document.createTextNode(" "), meta.firstChild);
        meta.insertBefore(badge, meta.firstChild);
      } else if (!locked && badge) {
        badge.remove();
      }
      announce(locked ? "This thread is now locked." : "This thread is open for comments again.");
    }

    function onPresence(n) {
      if (!viewersText || typeof n !== "number") return;
      viewersText.textContent = n === 1 ? "1 viewer" : n.toLocaleString("en-US") + " viewers";
    }

    function onTyping() {
      if (!typingText) return;
      typingText.textContent = "Someone is typing…";
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typingText.textContent = ""; }, TYPING_SHOWN);
    }

    function handle(frame, quiet) {
      switch (frame.type) {
        case "comment":
          if (replay && !quiet) replay.push(frame);
          onComment(frame.comment, quiet);
          break;
        case "hidden":
          if (replay && !quiet) replay.push(frame);
          if (typeof frame.id === "number") onHidden(frame.id);
          break;
        case "thread": onThread(!!frame.locked); break;
        case "presence": onPresence(frame.count); break;
        case "typing": onTyping(); break;
        case "resync": resync(); break;
        case "posted": onPosted(frame.id); break;
        case "error": onError(frame.message); break;
        // Convening news (a released question, slow mode, the end): convening.js shows it.
        case "convening": document.dispatchEvent(new CustomEvent("forum:convening", { detail: frame })); break;
      }
    }

    // Reload the comment list from the page itself (after frames were lost),
    // keeping any reply being written.
    function resync() {
      if (replay) return;
      replay = [];
      fetch(location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) throw new Error("the thread page answered " + response.status);
          return response.text();
        })
        .then(function (html) {
          // Parsed as a template's content, which is inert: a DOMParser
          // document would apply the page's <style> (under another nonce) and
          // report it to the console as a CSP violation.
          var template = document.createElement("template");
          template.innerHTML = html;
          var doc = template.content;
          var fresh = doc.getElementById("comments");
          if (!fresh) throw new Error("the thread page has no comment list");
          swapList(fresh, doc.getElementById("comments-heading"));
          var frames = replay;
          replay = null;
          for (var i = 0; i < frames.length; i++) handle(frames[i], true);
          if (arriving && findComment(arriving)) arrived(findComment(arriving));
        })
        .catch(function () {
          replay = null;
          if (!hasDraft(document)) location.reload();
        });
    }

    function swapList(fresh, freshHeading) {
      var forms = list.querySelectorAll("form.reply-form");
      var kept = [];
      for (var i = 0; i < forms.length; i++) {
        kept.push({ form: forms[i], parentId: forms[i].closest("li.comment").getAttribute("data-id") });
      }
      var focused = document.activeElement;
      list.textContent = "";
      while (fresh.firstChild) list.appendChild(document.adoptNode(fresh.firstChild));
      held = [];
      updateNewButton();
      for (i = 0; i < kept.length; i++) {
        var parent = document.getElementById("c" + kept[i].parentId);
        var body = parent && isPublished(parent) ? parent.querySelector(":scope > .comment-body") : null;
        if (body) {
          body.appendChild(kept[i].form);
        } else if (hasDraft(kept[i].form)) {
          list.parentNode.insertBefore(kept[i].form, newButton);
          showFormError(kept[i].form, "The comment you were replying to is no longer shown.");
        }
      }
      if (focused && focused !== document.body && focused.isConnected) focused.focus({ preventScroll: true });
      if (freshHeading) count = parseCount(freshHeading);
      renderCount();
      lastId = Math.max(lastId, highestId(list));
    }

    // Announcements ------------------------------------------------------

    function announce(text) {
      if (!announcer) return;
      announcer.textContent = "";
      // A moment apart, so that the same words twice are read twice.
      setTimeout(function () { announcer.textContent = text; }, 50);
    }

    function announceComment(author) {
      announceQueue.push(author || "someone");
      if (!announceTimer) {
        announceTimer = setTimeout(function () {
          var n = announceQueue.length;
          announce(n === 1 ? "New comment from " + announceQueue[0] : n + " new comments");
          announceQueue = [];
          announceTimer = 0;
        }, 500);
      }
    }

    // Posting over the socket -----------------------------------------------

    function isCommentForm(form) {
      return form.id === "comment-form" || (form.classList.contains("reply-form") && list.contains(form));
    }

    function hasDraft(root) {
      var areas = root.querySelectorAll("textarea");
      for (var i = 0; i < areas.length; i++) {
        if (areas[i].value.trim() && areas[i].form && isCommentForm(areas[i].form)) return true;
      }
      return false;
    }

    function setBusy(form, busy) {
      var button = form.querySelector('button[type="submit"]');
      if (button) button.disabled = busy;
      if (busy) form.setAttribute("aria-busy", "true");
      else form.removeAttribute("aria-busy");
    }

    function showFormError(form, message) {
      var textarea = form.querySelector("textarea");
      var note = form.querySelector(":scope > .live-error");
      if (!note) {
        note = document.createElement("p");
        note.className = "error live-error";
        note.setAttribute("role", "alert");
        note.id = (textarea && textarea.id ? textarea.id : "comment") + "-error";
        form.insertBefore(note, form.querySelector("label") || form.firstChild);
      }
      note.textContent = message;
      if (textarea) textarea.setAttribute("aria-describedby", note.id);
    }

    function clearFormError(form) {
      var note = form.querySelector(":scope > .live-error");
      if (note) note.remove();
      // The message from the last plain POST, if any, no longer applies either.
      var pageError = form.id === "comment-form" ? document.getElementById("form-error") : null;
      if (pageError) pageError.remove();
      var textarea = form.querySelector("textarea");
      if (textarea) textarea.removeAttribute("aria-describedby");
    }

    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!connected || !isCommentForm(form)) return;  // not live: the form posts as it always does
      var textarea = form.querySelector('textarea[name="body"]');
      if (!textarea) return;
      var frame = { type: "comment", body: textarea.value };
      var parentInput = form.querySelector('input[name="parent_id"]');
      var parentId = parentInput ? parseInt(parentInput.value, 10) : 0;
      if (parentId > 0) frame.parent_id = parentId;
      var text = JSON.stringify(frame);
      if (new Blob([text]).size > MAX_FRAME) return;
      event.preventDefault();
      if (form.getAttribute("aria-busy")) return;  // a double click
      socket.send(text);
      setBusy(form, true);
      var entry = { form: form, timer: 0 };
      entry.timer = setTimeout(function () {
        setBusy(form, false);
        showFormError(form, "The server has not confirmed your comment yet. It may still appear above; check before posting again.");
      }, ACK_WAIT);
      pending.push(entry);
    });

    function finish(entry) {
      clearTimeout(entry.timer);
      setBusy(entry.form, false);
    }

    function onPosted(id) {
      var entry = pending.shift();
      if (!entry || typeof id !== "number") return;
      finish(entry);
      var form = entry.form;
      clearFormError(form);
      var textarea = form.querySelector("textarea");
      if (textarea) textarea.value = "";
      var wasReply = form.classList.contains("reply-form");
      if (wasReply) form.remove();
      // The address names the new comment, as after the plain form's redirect.
      history.replaceState(history.state, "", "/t/" + threadId + "#c" + id);
      announce("Your comment was posted.");
      var li = findComment(id);
      if (li && li.isConnected) {
        reveal(li, wasReply);
      } else {
        arriving = id;
        arrivingFocus = wasReply;
        clearTimeout(arrivalTimer);
        arrivalTimer = setTimeout(function () { if (arriving === id) resync(); }, ARRIVAL_WAIT);
      }
    }

    function arrived(li) {
      arriving = 0;
      clearTimeout(arrivalTimer);
      if (li.isConnected) reveal(li, arrivingFocus);
    }

    function reveal(li, focus) {
      li.scrollIntoView({ block: "nearest" });
      if (focus) {
        // The reply form is gone, and focus with it: it moves to the reply.
        li.setAttribute("tabindex", "-1");
        li.focus({ preventScroll: true });
      }
    }

    function onError(message) {
      var text = typeof message === "string" && message ? message : "The comment could not be posted.";
      var entry = pending.shift();
      if (!entry) { announce(text); return; }
      finish(entry);
      showFormError(entry.form, text);  // the draft stays in the form
    }

    function failPending() {
      while (pending.length) {
        var entry = pending.shift();
        finish(entry);
        showFormError(entry.form, "The connection dropped before your comment was confirmed. If it does not appear above in a moment, post it again.");
      }
    }

    // Someone typing: at most one frame every few seconds, only from a comment form.
    document.addEventListener("input", function (event) {
      var target = event.target;
      if (!connected || !viewerId || target.tagName !== "TEXTAREA" || !target.form || !isCommentForm(target.form)) return;
      var now = Date.now();
      if (now - lastTypingSent < TYPING_EVERY) return;
      lastTypingSent = now;
      socket.send('{"type":"typing"}');
    });

    // The connection --------------------------------------------------------

    var STATES = {
      connecting: "Connecting…",
      live: "Live",
      reconnecting: "Reconnecting…",
      off: "Live updates unavailable",
    };

    function setState(state) {
      if (!status || !stateText) return;
      status.hidden = false;
      status.setAttribute("data-state", state);
      stateText.textContent = STATES[state];
      if (state !== "live" && viewersText) viewersText.textContent = "";
    }

    function connect() {
      retryTimer = 0;
      if (stopped || socket) return;
      var scheme = location.protocol === "https:" ? "wss:" : "ws:";
      var url = scheme + "//" + location.host + "/ws/threads/" + encodeURIComponent(threadId) + "?after=" + lastId;
      var ws;
      try {
        ws = new WebSocket(url);
      } catch (error) {
        retry();
        return;
      }
      socket = ws;
      setState(everConnected ? "reconnecting" : "connecting");
      ws.addEventListener("open", function () {
        if (socket !== ws) return;
        connected = true;
        openedAt = Date.now();
        setState("live");
        // Edits and removals made while away are not in the catch-up (which
        // holds new comments only): reload the list to pick them up.
        if (everConnected) resync();
        everConnected = true;
      });
      ws.addEventListener("message", function (event) {
        if (socket !== ws) return;
        var frame;
        try {
          frame = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        if (frame && typeof frame.type === "string") handle(frame, false);
      });
      ws.addEventListener("close", function (event) {
        if (socket !== ws) return;
        socket = null;
        connected = false;
        failPending();
        if (openedAt && Date.now() - openedAt > STABLE_AFTER) attempt = 0;
        openedAt = 0;
        if (stopped) return;
        // 4404: no such thread (any more); 1008: refused (origin). Retrying cannot help.
        if (event.code === 4404 || event.code === 1008) {
          setState("off");
          return;
        }
        setState("reconnecting");
        retry();
      });
    }

    function retry() {
      var base = Math.min(BACKOFF_MAX, BACKOFF_FIRST * Math.pow(2, attempt));
      attempt += 1;
      retryTimer = setTimeout(connect, base * (1 - JITTER + Math.random() * 2 * JITTER));
    }

    window.addEventListener("online", function () {
      if (retryTimer) {
        clearTimeout(retryTimer);
        connect();
      }
    });
    window.addEventListener("pagehide", function () {
      stopped = true;
      clearTimeout(retryTimer);
      retryTimer = 0;
      if (socket && socket.readyState === WebSocket.OPEN) socket.close(1000);
    });
    window.addEventListener("pageshow", function (event) {
      if (!event.persisted) return;
      // Back from the back-forward cache: whatever socket there was is gone.
      stopped = false;
      socket = null;
      connected = false;
      connect();
    });

    connect();
  }
})();
