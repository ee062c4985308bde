// After a refused submission, move focus to the list of errors so that keyboard and screen
// reader users start there.
(function () {
  "use strict";
  var summary = document.getElementById("form-errors");
  if (summary) { summary.focus(); }
})();
