// The static player of optimizers.book.explorable.Explorable.
// Each copy runs in its own function scope and finds its elements through its own
// id, so a page may hold many players (and this script many times). UID is replaced
// by the player's id; the data object follows in parentheses.
(function (data) {
  var root = document.getElementById(UID);
  if (!root || root.getAttribute("data-ready")) return;
  root.setAttribute("data-ready", "1");
  var overlay = root.querySelector(".optx-overlay");
  var inputs = root.querySelectorAll("input[data-optx]");
  function update() {
    var index = 0;
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      var k = input.type === "checkbox" ? (input.checked ? 1 : 0) : Number(input.value);
      index = index * data.sizes[i] + k;
      if (input.type === "range") {
        var text = data.labels[i][k];
        input.setAttribute("aria-valuetext", text);
        document.getElementById(input.id + "-out").textContent = text;
      }
    }
    overlay.innerHTML = data.frames[index];
  }
  for (var i = 0; i < inputs.length; i++) {
    inputs[i].addEventListener("input", update);
    inputs[i].addEventListener("change", update);
  }
})
