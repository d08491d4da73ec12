// forum: the embedded discussion frame (/embed/thread), on another site's page.
//
// The frame cannot count on the forum's cookie: browsers block third-party
// cookies, and the session cookie is SameSite=Lax anyway. So a reader logs in
// through a pop-up on the forum's own origin, which hands this frame a
// single-use token by postMessage; the frame trades it for a session of its
// own, kept in memory (and in this tab's storage where the browser allows it),
// and sends it as a bearer token. A bearer token is not sent by the browser on
// its own, so no other page can make the frame post.
//
// live.js (loaded after this file) keeps the comments live; this file sizes the
// frame to its content, logs in and out, and posts replies and flags (with
// forms.js's error messages).
(function () {
  "use strict";
  var forum = window.forum;

  var root = document.getElementById("embed");
  var thread = document.getElementById("thread");
  if (!root || !thread) return;
  var host = root.getAttribute("data-host");
  var widget = root.getAttribute("data-widget");
  var threadId = thread.getAttribute("data-thread");
  var STORE = "forum-frame:" + host;
  var FLAG_REASONS = [
    ["patient_information", "May identify a patient"],
    ["inappropriate", "Inappropriate"],
    ["spam", "Spam"],
    ["off_topic", "Off topic"]
  ];

  var token = null;
  var popup = null;

  // Size ----------------------------------------------------------------------

  var lastHeight = 0;
  function reportHeight() {
    if (window.parent === window || !host) return;
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === lastHeight) return;
    lastHeight = height;
    // Only the embedding page's exact origin may read this.
    window.parent.postMessage({ type: "forum:resize", widget: widget, height: height }, host);
  }
  if ("ResizeObserver" in window) new ResizeObserver(reportHeight).observe(document.documentElement);
  window.addEventListener("load", reportHeight);
  reportHeight();

  // Session -------------------------------------------------------------------

  var account = document.getElementById("embed-account");
  var nameText = document.getElementById("embed-name");
  var loginRow = document.getElementById("embed-login-row");
  var loginLink = document.getElementById("embed-login");
  var logoutButton = document.getElementById("embed-logout");
  var form = document.getElementById("comment-form");
  var notice = document.getElementById("embed-notice");

  function remember(value) {
    try {
      if (value) sessionStorage.setItem(STORE, value);
      else sessionStorage.removeItem(STORE);
    } catch (error) {
      // Storage is blocked for third-party frames in some browsers: memory will do.
    }
  }

  function recalled() {
    try {
      return sessionStorage.getItem(STORE);
    } catch (error) {
      return null;
    }
  }

  function signedIn(user, value) {
    token = value;
    remember(value);
    document.documentElement.classList.add("signed-in");
    if (nameText) nameText.textContent = user.name;
    if (account) account.hidden = false;
    if (loginRow) loginRow.hidden = true;
    if (form) form.hidden = false;
    var own = document.querySelectorAll('.comment[data-author="' + user.id + '"]');
    for (var i = 0; i < own.length; i++) own[i].classList.add("own");
    root.setAttribute("data-user", String(user.id));
  }

  function signedOut() {
    token = null;
    remember(null);
    document.documentElement.classList.remove("signed-in");
    root.removeAttribute("data-user");
    if (account) account.hidden = true;
    if (loginRow) loginRow.hidden = false;
    if (form) form.hidden = true;
    var replies = document.querySelectorAll("form.reply-form");
    for (var i = 0; i < replies.length; i++) replies[i].remove();
  }

  function call(method, path, body) {
    var headers = { "Accept": "application/json" };
    if (token) headers["Authorization"] = "Bearer " + token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(path, {
      method: method,
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return { status: response.status, data: data };
      });
    });
  }

  function say(text) {
    if (!notice) return;
    notice.textContent = text;
    notice.hidden = !text;
  }

  function logIn() {
    say("");
    var url = "/embed/login?host=" + encodeURIComponent(host);
    popup = window.open(url, "forum-login", "popup,width=520,height=680");
    if (!popup) say("Your browser blocked the login window. Allow pop-ups for this page, or join the discussion on the forum.");
  }

  window.addEventListener("message", function (event) {
    // Exactly this forum's origin, and the window this frame opened.
    if (event.origin !== location.origin || !popup || event.source !== popup) return;
    var data = event.data;
    if (!data || data.type !== "forum:login" || typeof data.token !== "string") return;
    popup = null;
    call("POST", "/api/v1/embed/session", { token: data.token, host: host }).then(function (answer) {
      if (answer.status === 201 && answer.data.token) {
        signedIn(answer.data.user, answer.data.token);
        var box = document.getElementById("comment-body");
        if (box) box.focus();
      } else {
        say((answer.data.error && answer.data.error.message) || "The login did not go through; try again.");
      }
    }, function () {
      say("The forum could not be reached; try again.");
    });
  });

  if (loginLink) {
    loginLink.addEventListener("click", function (event) {
      event.preventDefault();
      logIn();
    });
  }

  if (logoutButton) {
    logoutButton.addEventListener("click", function () {
      var ending = token;
      signedOut();
      if (ending) {
        token = ending;
        call("DELETE", "/api/v1/embed/session").then(function () { token = null; }, function () { token = null; });
      }
      if (loginLink) loginLink.focus();
    });
  }

  var saved = recalled();
  if (saved) {
    token = saved;
    call("GET", "/api/v1/embed/session").then(function (answer) {
      if (answer.status === 200 && answer.data.user) signedIn(answer.data.user, saved);
      else signedOut();
    }, function () { signedOut(); });
  }

  // Posting -------------------------------------------------------------------

  // Capture: this runs before live.js, which would post over the socket as
  // the (anonymous) frame rather than as the reader.
  document.addEventListener("submit", function (event) {
    var target = event.target;
    if (!target.matches || !target.matches("#comment-form, form.reply-form")) return;
    event.preventDefault();
    event.stopPropagation();
    if (!token) { logIn(); return; }
    if (target.getAttribute("aria-busy")) return;
    var textarea = target.querySelector("textarea");
    var parent = target.querySelector('input[name="parent_id"]');
    var body = { body: textarea ? textarea.value : "" };
    if (parent && parent.value) body.parent_id = parseInt(parent.value, 10);
    target.setAttribute("aria-busy", "true");
    call("POST", "/api/v1/threads/" + threadId + "/comments", body).then(function (answer) {
      target.removeAttribute("aria-busy");
      if (answer.status === 201 || answer.status === 202) {
        forum.clearFormError(target);
        if (textarea) textarea.value = "";
        if (target.classList.contains("reply-form")) target.remove();
        if (answer.status === 202) {
          var reasons = (answer.data.reasons || []).join("; ");
          say("Your comment is waiting for a moderator" + (reasons ? " (" + reasons + ")" : "") + ". It appears here once approved.");
        } else {
          say("");
        }
      } else if (answer.status === 401) {
        signedOut();
        say("Your login here has ended. Log in again to reply.");
      } else {
        forum.showFormError(target, (answer.data.error && answer.data.error.message) || "Your comment could not be posted.");
      }
    }, function () {
      target.removeAttribute("aria-busy");
      forum.showFormError(target, "The forum could not be reached. Your text is still here; try again.");
    });
  }, true);

  // Reply and flag in place -----------------------------------------------------

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.reply-link, .flag-action a");
    if (!link) return;
    if (!token) {
      event.preventDefault();
      event.stopPropagation();
      logIn();
      return;
    }
    if (link.classList.contains("reply-link")) return;  // live.js opens the reply form in place
    event.preventDefault();
    var li = link.closest("li.comment");
    if (li) openFlag(li);
  }, true);

  function openFlag(li) {
    var body = li.querySelector(":scope > .comment-body");
    if (!body || body.querySelector(":scope > form.flag-form")) return;
    var id = li.getAttribute("data-id");
    var flagForm = document.createElement("form");
    flagForm.className = "flag-form stack";
    var label = document.createElement("label");
    label.textContent = "Why should a moderator look at this comment?";
    label.htmlFor = "flag-reason-" + id;
    var select = document.createElement("select");
    select.id = "flag-reason-" + id;
    for (var i = 0; i < FLAG_REASONS.length; i++) {
      var option = document.createElement("option");
      option.value = FLAG_REASONS[i][0];
      option.textContent = FLAG_REASONS[i][1];
      select.appendChild(option);
    }
    var send = document.createElement("button");
    send.type = "submit";
    send.textContent = "Flag";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "link";
    cancel.textContent = "Cancel";
    cancel.addEventListener("click", function () { flagForm.remove(); });
    flagForm.appendChild(label);
    flagForm.appendChild(select);
    flagForm.appendChild(send);
    flagForm.appendChild(cancel);
    flagForm.addEventListener("submit", function (event) {
      event.preventDefault();
      event.stopPropagation();
      call("POST", "/api/v1/comments/" + id + "/flags", { reason: select.value }).then(function (answer) {
        if (answer.status === 201) {
          flagForm.remove();
          say("Thank you: a moderator will look at that comment.");
        } else {
          forum.showFormError(flagForm, (answer.data.error && answer.data.error.message) || "The flag could not be sent.");
        }
      }, function () { forum.showFormError(flagForm, "The forum could not be reached; try again."); });
    });
    body.appendChild(flagForm);
    select.focus();
  }
})();
