// forum: a thread page's comment list, kept in step with what arrives live.
//
// Comments stay in id order within their list whatever order they arrive in;
// a new comment that would move what a reader scrolled up is looking at waits
// off the page behind an "N new comments" button; the heading's count follows
// what readers can see. live.js feeds it the socket's frames.
(function () {
  "use strict";
  var forum = window.forum = window.forum || {};

  // "Near the bottom": the end of the list is at most this far below the window.
  var NEAR_BOTTOM = 120;

  function parseCount(el) {
    var match = el && /^[\d,]+/.exec(el.textContent.trim());
    return match ? parseInt(match[0].replace(/,/g, ""), 10) : 0;
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

  // `list` is the page's <ol id="comments">; `heading` shows the count;
  // `viewerId` is the reader's own id ("" for a guest): their own comments
  // always go in at once.
  forum.commentTree = function (list, heading, viewerId) {
    var count = parseCount(heading);
    // New comments kept off the page so that nothing moves under a reader who
    // is scrolled up: {li, parentId}, in arrival (id) order.
    var held = [];

    var newButton = document.createElement("button");
    newButton.type = "button";
    newButton.className = "live-new";
    newButton.hidden = true;
    newButton.addEventListener("click", function () { showHeld(true); });
    list.parentNode.insertBefore(newButton, list.nextSibling);

    function highestId() {
      var max = 0;
      var items = list.querySelectorAll("li.comment[data-id]");
      for (var i = 0; i < items.length; i++) max = Math.max(max, parseInt(items[i].getAttribute("data-id"), 10) || 0);
      return max;
    }

    function renderCount() {
      if (!heading) return;
      count = Math.max(0, count);
      heading.textContent = count.toLocaleString("en-US") + (count === 1 ? " comment" : " comments");
    }

    // A comment on the page, or held off it.
    function find(id) {
      var li = document.getElementById("c" + id);
      if (li && li.matches("li.comment")) return li;
      for (var i = 0; i < held.length; i++) {
        if (held[i].li.id === "c" + id) return held[i].li;
        li = held[i].li.querySelector("#c" + id);
        if (li) return li;
      }
      return null;
    }

    function isOwn(li) {
      return viewerId !== "" && li.getAttribute("data-author") === viewerId;
    }

    // A form for a comment on this thread: the page's, or a reply form in the list.
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
      var parent = parentId ? find(parentId) : null;
      if (parent && !parent.isConnected) {
        insert(repliesOf(parent), li);  // its parent is held: it waits with it
        updateNewButton();
        return;
      }
      var ol = parent ? repliesOf(parent) : list;
      var own = isOwn(li);
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
        var parent = items[i].parentId ? find(items[i].parentId) : null;
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

    // A comment frame's rendered partial: an edit replaces the comment's body
    // in place; a new comment is placed. Returns the new comment's element,
    // or null when it was not new.
    function add(id, html, parentId) {
      var fresh = parseComment(html);
      if (!fresh) return null;
      var existing = find(id);
      if (existing) {
        replaceBody(existing, fresh);  // an edit (or a comment restored in place)
        return null;
      }
      if (isPublished(fresh)) count += 1;
      renderCount();
      fresh.classList.add("is-new");
      place(fresh, parentId);
      return fresh;
    }

    function drop(li) {
      var parent = li.parentElement ? li.parentElement.closest("li.comment") : null;
      for (var i = 0; i < held.length; i++) if (held[i].li === li) held.splice(i, 1);
      li.remove();
      return parent;
    }

    // A comment readers may no longer see: a placeholder where replies hang
    // from it, otherwise gone (and so is a placeholder left with no replies).
    function hide(id) {
      var li = find(id);
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

    // Replace the list with a freshly fetched one, keeping any reply being
    // written (under its comment, or below the list if that is gone) and focus.
    function swap(fresh, freshHeading) {
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
          forum.showFormError(kept[i].form, "The comment you were replying to is no longer shown.");
        }
      }
      if (focused && focused !== document.body && focused.isConnected) focused.focus({ preventScroll: true });
      if (freshHeading) count = parseCount(freshHeading);
      renderCount();
    }

    return {
      add: add,
      find: find,
      hide: hide,
      swap: swap,
      highestId: highestId,
      isOwn: isOwn,
      isCommentForm: isCommentForm,
      hasDraft: hasDraft,
    };
  };
})();
