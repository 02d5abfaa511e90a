// The launch form's estimate follows the form: on each change (debounced), the estimate
// partial is fetched for the form's current values and swapped in.
(function () {
  "use strict";
  var form = document.querySelector("form[data-estimate-url]");
  if (!form) return;
  var timer = null;
  function refresh() {
    var query = new URLSearchParams(new FormData(form));
    query.delete("csrfmiddlewaretoken");
    htmx.ajax("GET", form.dataset.estimateUrl + "?" + query.toString(), {
      target: "#estimate",
      swap: "outerHTML",
    });
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
