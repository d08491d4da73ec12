// forum: the end of the pop-up login for an embedded frame. Hand the frame
// (this forum's own origin, and only that) its single-use token, then close.
(function () {
  "use strict";
  var el = document.getElementById("handoff");
  if (!el || !window.opener) return;
  window.opener.postMessage({ type: "forum:login", token: el.getAttribute("data-token") }, location.origin);
  setTimeout(function () { window.close(); }, 200);
})();
