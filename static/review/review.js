// Keyboard-driven review (CSP: script-src 'self', so no inline handlers anywhere).
//   j / k      select the next / previous turn (the page's edge moves to the next page)
//   1-9        apply or remove the label with that number on the selected turn
//   c          comment on the selected turn (Ctrl+Enter saves, Escape leaves the box)
//   f          flag the trajectory
//   t          files as they were at the selected turn
//   ?          help overlay (Escape closes)
// Every form works without this script (POST + redirect); here the same forms are sent with
// fetch and the partial the server returns replaces the old one.
(function () {
  "use strict";

  var turns = document.getElementById("turns");
  var help = document.getElementById("help-overlay");
  var status = document.getElementById("review-status");

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function csrfToken(form) {
    var field = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function announce(text) {
    if (status) status.textContent = text;
  }

  // -- selection ------------------------------------------------------------------------------

  function articles() {
    return turns ? Array.prototype.slice.call(turns.querySelectorAll("article.turn")) : [];
  }

  function selected() {
    return turns ? turns.querySelector("article.turn.selected") : null;
  }

  function select(article, scroll) {
    if (!article) return;
    articles().forEach(function (a) {
      a.classList.remove("selected");
      a.removeAttribute("aria-current");
    });
    article.classList.add("selected");
    article.setAttribute("aria-current", "true");
    if (scroll !== false) article.scrollIntoView({ block: "nearest" });
    var url = article.getAttribute("data-url") + "#turn-" + article.getAttribute("data-seq");
    if (window.history && window.history.replaceState) window.history.replaceState(null, "", url);
    var link = document.getElementById("timetravel-link");
    if (link) {
      link.href = link.href.replace(/\?at=\d+/, "?at=" + article.getAttribute("data-seq"));
      link.textContent = "files at turn " + article.getAttribute("data-seq");
    }
  }

  function move(step) {
    var list = articles();
    var current = selected();
    var index = current ? list.indexOf(current) : -1;
    var next = index + step;
    if (next >= 0 && next < list.length) {
      select(list[next]);
      return;
    }
    var edge = document.getElementById(step > 0 ? "next-page" : "prev-page");
    if (edge) window.location.href = edge.href;
  }

  function fromHash() {
    var match = window.location.hash.match(/^#turn-(\d+)$/);
    var article = match ? document.getElementById("turn-" + match[1]) : null;
    if (article) select(article);
    else if (!selected() && articles().length) select(articles()[0], false);
  }

  // -- sending forms --------------------------------------------------------------------------

  function send(form) {
    var note = form.querySelector(".form-status");
    if (note) {
      note.textContent = "saving…";
      note.classList.remove("error");
    }
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) },
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        var holder = document.createElement("div");
        holder.innerHTML = result.data.html;
        var fresh = holder.firstElementChild;
        var container = form.closest(form.getAttribute("data-ajax") === "flag" ? ".flag-panel" : ".annotation");
        if (fresh && container) {
          // The reader may have started typing a comment while the request was out: keep
          // what they typed, and their place in it.
          var typingIn = container.contains(document.activeElement) ? document.activeElement : null;
          container.replaceWith(fresh);
          if (typingIn && typingIn.name) {
            var selector = '[name="' + typingIn.name + '"]';
            if (typingIn.type === "radio" || typingIn.type === "checkbox") {
              selector += '[value="' + typingIn.value + '"]';
            }
            var twin = fresh.querySelector(selector);
            if (twin && typingIn.tagName === "TEXTAREA") {
              var start = typingIn.selectionStart;
              var end = typingIn.selectionEnd;
              twin.value = typingIn.value;
              twin.focus();
              twin.setSelectionRange(start, end);
            } else if (twin) {
              twin.focus();
            }
          }
          var freshNote = fresh.querySelector(".form-status");
          if (freshNote) {
            freshNote.textContent = result.ok ? "saved" : result.data.error;
            if (!result.ok) freshNote.classList.add("error");
          }
        }
        announce(result.ok ? "Saved." : "Not saved: " + result.data.error);
      })
      .catch(function () {
        if (note) {
          note.textContent = "not saved (connection lost) — try again";
          note.classList.add("error");
        }
      });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-ajax]") || !window.fetch) return;
    event.preventDefault();
    send(form);
  });

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches(".label-choices input[type=checkbox]")) {
      box.closest(".choice").classList.toggle("on", box.checked);
      send(box.form);
    }
  });

  if (turns) {
    turns.addEventListener("click", function (event) {
      var article = event.target.closest("article.turn");
      if (article && article !== selected()) select(article, false);
    });
  }

  // -- keys -------------------------------------------------------------------------------------

  function toggleHelp(show) {
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
    if (!help.hidden) {
      var close = help.querySelector("[data-close-help]");
      if (close) close.focus();
    }
  }

  if (help) {
    help.addEventListener("click", function (event) {
      if (event.target === help || event.target.hasAttribute("data-close-help")) toggleHelp(false);
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey && event.key === "Enter" && event.target.tagName === "TEXTAREA" && event.target.form) {
      event.preventDefault();
      event.target.form.requestSubmit();
      return;
    }
    if (event.key === "Escape") {
      if (help && !help.hidden) toggleHelp(false);
      else if (typing(event.target)) event.target.blur();
      return;
    }
    if (typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "?") {
      event.preventDefault();
      toggleHelp();
      return;
    }
    if (help && !help.hidden) return;
    var current = selected();
    if (event.key === "j") {
      event.preventDefault();
      move(1);
    } else if (event.key === "k") {
      event.preventDefault();
      move(-1);
    } else if (/^[1-9]$/.test(event.key) && current) {
      var box = current.querySelector('.label-choices input[data-hotkey="' + event.key + '"]');
      if (box) {
        event.preventDefault();
        box.checked = !box.checked;
        box.closest(".choice").classList.toggle("on", box.checked);
        send(box.form);
      }
    } else if (event.key === "c" && current) {
      var area = current.querySelector(".annotate textarea");
      if (area) {
        event.preventDefault();
        area.focus();
      }
    } else if (event.key === "f") {
      var flag = document.querySelector("#flag-form input[name=flag]:checked") ||
        document.querySelector("#flag-form input[name=flag]");
      if (flag) {
        event.preventDefault();
        // The whole panel, below the sticky top bar (its scroll-margin), not just the radio.
        document.getElementById("flag-panel").scrollIntoView({ block: "start" });
        flag.focus({ preventScroll: true });
      }
    } else if (event.key === "t" && current) {
      var link = document.getElementById("timetravel-link");
      if (link) window.location.href = link.href;
    }
  });

  if (turns) {
    fromHash();
    window.addEventListener("hashchange", fromHash);
  }
})();
