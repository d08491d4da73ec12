// forum: a thread page that follows its websocket.
//
// Nothing on a page depends on this script. Without it, comments go through
// the form's POST and a reload shows what is new. With it, the page follows
// /ws/threads/{id}?after=…, so new comments, edits and removals appear as they
// happen (tree.js keeps the list), and the comment forms post over the socket
// while it is open. Loaded after forms.js and tree.js.
(function () {
  "use strict";
  var forum = window.forum;

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
    // The server closes the socket on frames over 64 KiB: a longer comment goes by the form.
    var MAX_FRAME = 60000;
    var ACK_WAIT = 15000;
    // A posted comment that readers may not see (held for review) never comes
    // back over the socket: after this long, reload the list as the form would.
    var ARRIVAL_WAIT = 3000;

    var threadId = thread.getAttribute("data-thread");
    var viewerId = thread.getAttribute("data-viewer") || "";
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
    var tree = forum.commentTree(list, document.getElementById("comments-heading"), viewerId);
    // The highest comment id seen (on the page or over the socket): where a reconnect resumes.
    var lastId = tree.highestId();
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

    // Frames ---------------------------------------------------------------

    function onComment(comment, quiet) {
      if (!comment || typeof comment.id !== "number" || typeof comment.html !== "string") return;
      lastId = Math.max(lastId, comment.id);
      var li = tree.add(comment.id, comment.html, comment.parent_id);
      if (!li) return;
      if (!quiet && !tree.isOwn(li)) announceComment(comment.author);
      if (comment.id === arriving) arrived(li);
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
          if (typeof frame.id === "number") tree.hide(frame.id);
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
          tree.swap(fresh, doc.getElementById("comments-heading"));
          lastId = Math.max(lastId, tree.highestId());
          var frames = replay;
          replay = null;
          for (var i = 0; i < frames.length; i++) handle(frames[i], true);
          if (arriving && tree.find(arriving)) arrived(tree.find(arriving));
        })
        .catch(function () {
          replay = null;
          if (!tree.hasDraft(document)) location.reload();
        });
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

    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!connected || !tree.isCommentForm(form)) return;  // not live: the form posts as it always does
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
      forum.setBusy(form, true);
      var entry = { form: form, timer: 0 };
      entry.timer = setTimeout(function () {
        forum.setBusy(form, false);
        forum.showFormError(form, "The server has not confirmed your comment yet. It may still appear above; check before posting again.");
      }, ACK_WAIT);
      pending.push(entry);
    });

    function finish(entry) {
      clearTimeout(entry.timer);
      forum.setBusy(entry.form, false);
    }

    function onPosted(id) {
      var entry = pending.shift();
      if (!entry || typeof id !== "number") return;
      finish(entry);
      var form = entry.form;
      forum.clearFormError(form);
      var textarea = form.querySelector("textarea");
      if (textarea) textarea.value = "";
      var wasReply = form.classList.contains("reply-form");
      if (wasReply) form.remove();
      // The address names the new comment, as after the plain form's redirect.
      history.replaceState(history.state, "", "/t/" + threadId + "#c" + id);
      announce("Your comment was posted.");
      var li = tree.find(id);
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
      forum.showFormError(entry.form, text);  // the draft stays in the form
    }

    function failPending() {
      while (pending.length) {
        var entry = pending.shift();
        finish(entry);
        forum.showFormError(entry.form, "The connection dropped before your comment was confirmed. If it does not appear above in a moment, post it again.");
      }
    }

    // Someone typing: at most one frame every few seconds, only from a comment form.
    document.addEventListener("input", function (event) {
      var target = event.target;
      if (!connected || !viewerId || target.tagName !== "TEXTAREA" || !target.form || !tree.isCommentForm(target.form)) return;
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
