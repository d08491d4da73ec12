// forum: what a comment form shows while its post is under way, and when it
// fails. Shared by the thread page's live posting (live.js) and the embed
// frame (frame.js), so an error reads and is announced the same in both.
(function () {
  "use strict";
  var forum = window.forum = window.forum || {};

  forum.setBusy = function (form, busy) {
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = busy;
    if (busy) form.setAttribute("aria-busy", "true");
    else form.removeAttribute("aria-busy");
  };

  // The message goes above the form's fields, is read out (role=alert), and
  // describes the textarea, so a screen reader repeats it there.
  forum.showFormError = function (form, message) {
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
  };

  forum.clearFormError = function (form) {
    var note = form.querySelector(":scope > .live-error");
    if (note) note.remove();
    // The message from the last plain POST, if any, no longer applies either.
    var pageError = form.id === "comment-form" ? document.getElementById("form-error") : null;
    if (pageError) pageError.remove();
    var textarea = form.querySelector("textarea");
    if (textarea) textarea.removeAttribute("aria-describedby");
  };
})();
