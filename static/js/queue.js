// forum: the review queue, live (/mod/queue).
//
// The page works without this script: its forms POST and redirect, and a
// reload shows what is new. With it, the list follows /ws/mod/queue: an item
// that arrives or changes is put in its place from the server's own rendered
// partial, an item another moderator dealt with goes (and a note says who, for
// screen readers too), and after a dropped connection the list is fetched
// again, so nothing said while it was away is missed.
(function () {
  "use strict";

  var list = document.getElementById("queue");
  if (!list || !list.hasAttribute("data-live-queue") || !("WebSocket" in window) || !window.fetch) return;

  // Reconnect after 0.5 s, doubling up to 30 s, each delay ±30 %, so that a
  // server restart is not followed by every moderator reconnecting at once.
  var BACKOFF_FIRST = 500;
  var BACKOFF_MAX = 30000;
  var JITTER = 0.3;
  var STABLE_AFTER = 10000;  // a connection up this long starts the backoff afresh
  // Close codes that mean "do not come back": not a moderator, not this site.
  var REFUSED = [4403, 1008];

  // Pushed items are placed by hand in the page's default order (newest change
  // first, every board); a filtered or re-sorted list is fetched again instead.
  var params = new URLSearchParams(location.search);
  var inPlace = !params.get("board") && !params.get("reason") && (params.get("sort") || "newest") === "newest";

  var note = document.createElement("p");
  note.className = "notice queue-live";
  note.id = "queue-live";
  note.setAttribute("role", "status");
  note.setAttribute("aria-live", "polite");
  note.hidden = true;
  list.parentNode.insertBefore(note, list);

  var attempt = 0;
  var openedAt = 0;
  var connectedBefore = false;
  // While the list is being fetched again: the frames that arrive meanwhile,
  // applied once more to the fetched list (which may predate them).
  var replay = null;
  var fetchAgain = false;

  function announce(text) {
    note.textContent = text;
    note.hidden = false;
  }

  function describe(li) {
    var kind = li.querySelector(".meta strong");
    var author = li.querySelector(".meta .author");
    return (kind ? kind.textContent : "Item") + " by " + (author ? author.textContent : "someone");
  }

  // Items ----------------------------------------------------------------

  function parseItem(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var li = template.content.firstElementChild;
    return li && li.matches("li[data-item]") ? li : null;
  }

  // Newest change first, then highest id: the order the server lists them in.
  function comesBefore(a, b) {
    var ua = a.getAttribute("data-updated") || "";
    var ub = b.getAttribute("data-updated") || "";
    if (ua !== ub) return ua > ub;
    return parseInt(a.getAttribute("data-item"), 10) > parseInt(b.getAttribute("data-item"), 10);
  }

  // A reason being typed, a box ticked, an edit opened: carried over to the new copy.
  function keepDrafts(from, to) {
    var fields = from.querySelectorAll("input[id], textarea[id]");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      var twin = to.querySelector("#" + CSS.escape(field.id));
      if (twin && field.value !== field.defaultValue) twin.value = field.value;
    }
    var opened = from.querySelectorAll("details[open]");
    for (var j = 0; j < opened.length; j++) {
      var index = Array.prototype.indexOf.call(from.querySelectorAll("details"), opened[j]);
      var same = to.querySelectorAll("details")[index];
      if (same) same.open = true;
    }
  }

  function refocus(from, to) {
    var active = document.activeElement;
    if (!active || !from.contains(active)) return;
    var twin = active.id ? to.querySelector("#" + CSS.escape(active.id)) : null;
    if (twin) twin.focus();
  }

  function showItem(html) {
    var fresh = parseItem(html);
    if (!fresh) return;
    var old = document.getElementById(fresh.id);
    // A replayed frame older than what the fetched list shows changes nothing.
    if (old && comesBefore(old, fresh)) return;
    if (old) {
      keepDrafts(old, fresh);
      old.remove();
    }
    var next = list.firstElementChild;
    while (next && !comesBefore(fresh, next)) next = next.nextElementSibling;
    list.insertBefore(fresh, next);
    if (old) refocus(old, fresh);
    else announce("New in the queue: " + describe(fresh) + ".");
    updateEmpty();
  }

  function removeItem(frame) {
    var li = document.getElementById("q" + frame.id);
    if (!li) return;
    var what = describe(li);
    li.remove();
    announce(what + ": dealt with by " + (frame.by || "a moderator") + (frame.resolution ? " (" + frame.resolution + ")" : "") + ".");
    updateEmpty();
  }

  function updateEmpty() {
    var empty = document.getElementById("queue-empty");
    var none = !list.querySelector("li[data-item]");
    if (!empty && none) {
      empty = document.createElement("p");
      empty.className = "empty";
      empty.id = "queue-empty";
      empty.textContent = "Nothing is waiting.";
      list.parentNode.insertBefore(empty, list);
    }
    if (empty) empty.hidden = !none;
  }

  // The list, fetched again ----------------------------------------------

  function reload() {
    if (replay) {
      fetchAgain = true;
      return;
    }
    replay = [];
    fetch(location.pathname + location.search, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error("queue " + response.status);
        return response.text();
      })
      .then(function (html) {
        // Parsed as a template's content, which is inert: a DOMParser document
        // would apply the page's <style> (under another nonce), a CSP violation.
        var template = document.createElement("template");
        template.innerHTML = html;
        var fetched = template.content.getElementById("queue");
        if (!fetched) return;
        var items = Array.prototype.slice.call(fetched.children);
        for (var i = 0; i < items.length; i++) {
          var old = document.getElementById(items[i].id);
          if (old && list.contains(old)) keepDrafts(old, items[i]);
        }
        list.replaceChildren.apply(list, items);
        updateEmpty();
      })
      .catch(function () { /* the next notice or reconnect tries again */ })
      .then(function () {
        var frames = replay;
        replay = null;
        for (var i = 0; i < frames.length; i++) apply(frames[i]);
        if (fetchAgain) {
          fetchAgain = false;
          reload();
        }
      });
  }

  // The socket ---------------------------------------------------------------

  function apply(frame) {
    if (frame.type === "queue_item" && typeof frame.html === "string") {
      if (inPlace) showItem(frame.html);
      else reload();
    } else if (frame.type === "queue_removed" && typeof frame.id === "number") {
      removeItem(frame);
    }
  }

  // Whether the page as rendered can have missed something before the socket opened.
  function outOfDate(hello) {
    if (!inPlace) return true;
    var first = list.querySelector("li[data-item]");
    var shown = list.querySelectorAll("li[data-item]").length;
    return hello.count !== shown || (first ? first.getAttribute("data-updated") : "") !== (hello.latest || "");
  }

  function onFrame(frame) {
    if (frame.type === "hello") {
      if (connectedBefore || outOfDate(frame)) reload();
      connectedBefore = true;
    } else if (frame.type === "resync") {
      reload();
    } else {
      if (replay) replay.push(frame);
      apply(frame);
    }
  }

  function connect() {
    var socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/mod/queue");
    socket.onopen = function () { openedAt = Date.now(); };
    socket.onmessage = function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame.type === "string") onFrame(frame);
    };
    socket.onclose = function (event) {
      if (REFUSED.indexOf(event.code) !== -1) return;
      if (openedAt && Date.now() - openedAt > STABLE_AFTER) attempt = 0;
      openedAt = 0;
      var delay = Math.min(BACKOFF_MAX, BACKOFF_FIRST * Math.pow(2, attempt++));
      setTimeout(connect, delay * (1 - JITTER + Math.random() * 2 * JITTER));
    };
  }

  connect();
})();
