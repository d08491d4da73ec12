// forum: warn while an author types that a post may identify a patient.
//
// The server runs the same health-care guard when the post is sent and holds
// it for a moderator if anything is found; this only says so early, naming the
// words and why, so the author can fix them first. Nothing depends on it.
(function () {
  "use strict";
  var WAIT = 600;
  var FIELDS = 'textarea[name="body"], input[name="title"]';

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.matches || !field.matches(FIELDS) || !field.form) return;
    var form = field.form;
    clearTimeout(form.forumGuardTimer);
    form.forumGuardTimer = setTimeout(function () { check(form); }, WAIT);
  });

  function check(form) {
    var title = form.querySelector('input[name="title"]');
    var body = form.querySelector('textarea[name="body"]');
    // A thread is checked as its title, a line break, then its body: as the server does.
    var text = (title ? title.value + "\n" : "") + (body ? body.value : "");
    var seq = (form.forumGuardSeq || 0) + 1;
    form.forumGuardSeq = seq;
    if (!text.trim()) { show(form, text, []); return; }
    var headers = { "Content-Type": "application/json", "Accept": "application/json" };
    var csrf = form.querySelector('input[name="csrf_token"]');
    if (csrf) headers["X-CSRF-Token"] = csrf.value;
    fetch("/api/v1/guard/check", { method: "POST", headers: headers, body: JSON.stringify({ text: text }), credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && form.forumGuardSeq === seq) show(form, text, data.findings || []);
      }, function () {});
  }

  function show(form, text, findings) {
    var out = form.querySelector(".guard-live");
    if (!findings.length) {
      if (out) out.hidden = true;
      return;
    }
    if (!out) {
      out = document.createElement("div");
      out.className = "guard-live notice";
      out.setAttribute("role", "status");
      var submit = form.querySelector('button[type="submit"]');
      form.insertBefore(out, submit);
    }
    out.hidden = false;
    out.textContent = "";
    var lead = document.createElement("p");
    lead.textContent = "This may identify a patient, and would wait for a moderator:";
    out.appendChild(lead);
    var list = document.createElement("ul");
    // Offsets count characters (code points), as Array.from splits a string.
    var chars = Array.from(text);
    for (var i = 0; i < findings.length; i++) {
      var item = document.createElement("li");
      var words = document.createElement("q");
      words.textContent = chars.slice(findings[i].start, findings[i].end).join("");
      item.appendChild(words);
      item.appendChild(document.createTextNode(": " + findings[i].reason));
      list.appendChild(item);
    }
    out.appendChild(list);
  }
})();
