// forum embed: <div id="forum-thread" data-url="https://blog.example/post"></div>
// <script src="https://forum.example/static/embed.js" async></script>
// Optional: data-title, data-board (a pillar), data-theme (light|dark|auto),
// data-thread (an existing thread's id). Several widgets: class="forum-thread".
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me) return;
  var forum = new URL(me.src, location.href).origin;
  var frames = [];

  function start(el) {
    if (el.getAttribute("data-forum-widget")) return;
    var n = frames.length;
    el.setAttribute("data-forum-widget", String(n));
    var q = new URLSearchParams();
    var url = el.getAttribute("data-url") || location.href.split("#")[0];
    q.set("url", url);
    ["title", "board", "theme", "thread"].forEach(function (key) {
      var value = el.getAttribute("data-" + key);
      if (value) q.set(key, value);
    });
    q.set("host", location.origin);
    q.set("widget", String(n));
    var frame = document.createElement("iframe");
    frame.src = forum + "/embed/thread?" + q.toString();
    frame.title = el.getAttribute("data-title") ? "Discussion: " + el.getAttribute("data-title") : "Discussion";
    frame.setAttribute("style", "display:block;width:100%;height:320px;border:0;overflow:hidden");
    frame.setAttribute("scrolling", "no");
    el.appendChild(frame);
    frames.push(frame);
  }

  window.addEventListener("message", function (event) {
    // The forum's exact origin, from one of our own frames: never a substring test.
    if (event.origin !== forum) return;
    var data = event.data;
    if (!data || data.type !== "forum:resize") return;
    var frame = frames[parseInt(data.widget, 10)];
    if (!frame || event.source !== frame.contentWindow) return;
    var height = Math.ceil(Number(data.height));
    if (height > 0 && height < 200000) frame.style.height = height + "px";
  });

  var found = document.querySelectorAll("#forum-thread, .forum-thread");
  for (var i = 0; i < found.length; i++) start(found[i]);
})();
