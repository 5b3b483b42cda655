// "Tick every row on this page" for the bitstream table (progressive enhancement only).
(function () {
  "use strict";
  var all = document.getElementById("tick-all");
  if (!all) { return; }
  all.addEventListener("change", function () {
    var boxes = document.querySelectorAll("#rows input[name=id]");
    for (var i = 0; i < boxes.length; i++) { boxes[i].checked = all.checked; }
  });
}());
