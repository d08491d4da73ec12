// forum: reply in place. A comment's "Reply" link leads to a reply page that
// works without JavaScript; with it, the page's comment form is cloned under
// the comment instead.
(function () {
  "use strict";

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
})();
