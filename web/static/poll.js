// Follows a running job or a dashboard computation: polls its JSON status once a second and
// reloads the page when it is finished. No inline scripts (the CSP forbids them).
(function () {
  "use strict";
  function poll(element, onData) {
    var url = element.getAttribute("data-poll");
    function tick() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data && onData(data)) { setTimeout(tick, 1000); } })
        .catch(function () { setTimeout(tick, 3000); });
    }
    setTimeout(tick, 700);
  }
  function setText(id, value) {
    var el = document.getElementById(id);
    if (el && value !== null && value !== undefined) { el.textContent = String(value); }
  }
  var job = document.getElementById("job-progress");
  if (job && job.getAttribute("data-active") === "yes") {
    poll(job, function (d) {
      setText("job-status", d.status);
      setText("job-processed", d.processed.toLocaleString());
      setText("job-total", d.total === null ? "?" : d.total.toLocaleString());
      setText("job-changed", d.changed);
      setText("job-unchanged", d.unchanged);
      setText("job-kept", d.kept);
      setText("job-errors", d.errors);
      var bar = document.getElementById("job-bar");
      if (bar) { bar.value = d.percent; bar.textContent = d.percent + " %"; }
      if (!d.active) { window.location.reload(); return false; }
      return true;
    });
  }
  var board = document.getElementById("dashboard-state");
  if (board && (board.getAttribute("data-refreshing") === "yes")) {
    poll(board, function (d) {
      if (d.ready && !d.refreshing) { window.location.reload(); return false; }
      return true;
    });
  }
}());
