// Convenings, with JavaScript: times shown in the reader's own zone (the page
// names them in UTC without it), and the live convening's current question
// kept pinned at the top of its thread as the host releases questions
// (live.js passes each "convening" frame on as a forum:convening event).
(function () {
  "use strict";

  function localise() {
    var times = document.querySelectorAll("time[data-local]");
    for (var i = 0; i < times.length; i++) {
      var when = new Date(times[i].getAttribute("datetime"));
      if (isNaN(when.getTime())) continue;
      try {
        times[i].textContent = when.toLocaleString(undefined, {
          weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZoneName: "short"
        });
      } catch (e) { /* keep the UTC text */ }
    }
  }

  function onConvening(event) {
    var frame = event.detail || {};
    var pinned = document.getElementById("convening-pinned");
    if (!pinned) return;
    var question = document.getElementById("convening-question");
    var slow = document.getElementById("convening-slow");
    var link = document.getElementById("convening-link");
    if (frame.state !== "live") {
      pinned.hidden = true;
      return;
    }
    if (link && !pinned.getAttribute("data-convening")) {
      link.href = frame.url;
      link.textContent = "the convening";
    }
    pinned.setAttribute("data-convening", String(frame.id));
    var current = frame.current_question;
    question.textContent = current ? "· T" + current.number + ". " + current.text : "";
    slow.textContent = frame.slow_mode ? "· Slow mode: one post every " + frame.slow_mode + " seconds" : "";
    pinned.hidden = false;
  }

  document.addEventListener("forum:convening", onConvening);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", localise);
  else localise();
})();
