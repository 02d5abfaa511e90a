// The live page of a simulation: turns arrive over a websocket; the page keeps the highest
// seq it holds without a gap (lastSeq), drops duplicates, asks for a backfill when it sees a
// gap, and reconnects with exponential backoff from lastSeq. Only a window of turns lives in
// the DOM; older ones load over HTTP. Everything generated is inserted with textContent.
(function () {
  "use strict";

  var dataNode = document.getElementById("live-data");
  if (!dataNode) return;
  var data = JSON.parse(dataNode.textContent);
  var WINDOW = data.window;
  var MAX_DOM = WINDOW * 2;
  var OLDER_PAGE = 100;
  var NEAR_BOTTOM = 48;
  var LONG_OBSERVATION = 400;
  var RECENT_TURNS = 30;
  var MAX_PENDING = 5000;
  var CATCH_UP_MS = 1500;

  var scroller = document.getElementById("timeline-scroll");
  var timeline = document.getElementById("timeline");
  var olderButton = document.getElementById("load-older");
  var newButton = document.getElementById("new-turns");
  var emptyNote = document.getElementById("timeline-empty");
  var connection = document.getElementById("connection");
  var turnTemplate = document.getElementById("turn-template");

  var state = {
    lastSeq: 0, // every turn up to here is held, none missing
    pending: new Map(), // turns beyond a gap, waiting for the backfill
    backfilling: false,
    latest: [], // the newest WINDOW turns, for jumping back to the end
    following: true, // the reader is at the bottom: new turns scroll into view
    detached: false, // the DOM does not reach the newest turn
    unseen: 0,
    status: data.status || {},
    socket: null,
    retries: 0,
    reconnectTimer: null,
    catchUpTimer: null,
    leaving: false,
    files: new Map(),
    messages: new Map(),
    stats: { duplicates: 0, gaps: 0, backfills: 0, connects: 0 },
  };

  // -- small helpers -------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function fill(root, selector, text) {
    var node = root.querySelector(selector);
    node.textContent = text === undefined || text === null ? "" : String(text);
    node.hidden = !node.textContent;
    return node;
  }

  function simTime(iso) {
    // "2024-03-04T09:30:00+00:00" -> "Mon 2024-03-04 09:30" (simulated time is UTC)
    if (!iso) return "";
    var date = new Date(iso);
    if (isNaN(date.getTime())) return iso;
    var day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][date.getUTCDay()];
    return day + " " + iso.slice(0, 10) + " " + iso.slice(11, 16);
  }

  function token(value) {
    // A class-name-safe form of a value that came from the database.
    return String(value).replace(/[^a-z0-9_-]/gi, "");
  }

  function number(n) {
    return Number(n || 0).toLocaleString("en-US");
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(
      function (response) {
        if (!response.ok) throw new Error(response.status + " " + url);
        return response.json();
      }
    );
  }

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  // -- the header ---------------------------------------------------------------------------

  function applyStatus(status) {
    if (!status) return;
    // A status older than what we show (fewer turns) is a late message: keep the newer one.
    if (state.status && status.turn_count < state.status.turn_count) return;
    state.status = status;
    if (status.turn_count > state.lastSeq) scheduleCatchUp();
    document.querySelectorAll("[data-status]").forEach(function (node) {
      var key = node.getAttribute("data-status");
      var value = status[key];
      if (key === "state") {
        node.className = "badge state-" + token(value);
        node.textContent = value;
      } else if (key === "sim_now") {
        node.textContent = simTime(value) || "—";
      } else if (key === "turn_count" || key === "tokens") {
        node.textContent = number(value);
      } else if (key === "cost_usd") {
        node.textContent = "$" + Number(value || 0).toFixed(4);
      } else if (key === "error" || key === "stop_reason") {
        node.textContent = value || "";
        node.hidden = !value;
      } else {
        node.textContent = value === undefined || value === null ? "" : String(value);
      }
    });
    document.querySelectorAll("[data-control]").forEach(function (form) {
      var action = form.getAttribute("data-control");
      var allowed =
        (action === "pause" && (status.state === "queued" || status.state === "running")) ||
        (action === "resume" && (status.state === "paused" || status.state === "failed")) ||
        (action === "cancel" && !status.finished);
      form.hidden = !allowed;
    });
    refreshOlderButton();
  }

  document.querySelectorAll("[data-control]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      event.stopPropagation(); // asked here, not again by studio.js's data-confirm handler
      var question = form.getAttribute("data-confirm");
      if (question && !window.confirm(question)) return;
      var button = form.querySelector("button");
      button.disabled = true;
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual", // the view answers with a redirect back here; the socket has the news
        headers: { "X-CSRFToken": cookie("csrftoken") || form.querySelector("[name=csrfmiddlewaretoken]").value },
        body: new FormData(form),
      })
        .catch(function () {
          connection.textContent = "could not " + form.getAttribute("data-control");
        })
        .finally(function () {
          button.disabled = false;
        });
    });
  });

  // -- turns ----------------------------------------------------------------------------------

  function renderTurn(turn) {
    var node = turnTemplate.content.firstElementChild.cloneNode(true);
    node.setAttribute("data-seq", turn.seq);
    node.classList.add("actor-" + token(turn.actor));
    if (turn.error) node.classList.add("has-error");
    if (turn.is_retry) node.classList.add("is-retry");
    fill(node, ".seq", "#" + turn.seq);
    fill(node, ".actor", turn.actor);
    fill(node, ".actor-name", turn.actor_name);
    fill(node, ".action", turn.action);
    var time = fill(node, ".sim-time", simTime(turn.sim_time));
    time.setAttribute("datetime", turn.sim_time || "");
    fill(node, ".minutes", turn.sim_minutes ? turn.sim_minutes + " min" : "");
    var tokens = (turn.prompt_tokens || 0) + (turn.completion_tokens || 0);
    fill(node, ".tokens", tokens ? number(tokens) + " tok" : "");
    var signals = node.querySelector(".signals");
    (turn.signals || []).forEach(function (signal) {
      signals.appendChild(el("li", "signal signal-" + token(signal), signal));
    });
    signals.hidden = !signals.children.length;
    var args = "";
    if (turn.arguments !== null && turn.arguments !== undefined) {
      args = JSON.stringify(turn.arguments, null, 1).replace(/\n\s*/g, " ");
      if (args === "{}") args = "";
    } else if (turn.raw_arguments) {
      args = turn.raw_arguments;
    }
    fill(node, ".arguments", args);
    fill(node, ".reasoning", turn.reasoning);
    fill(node, ".turn-error", turn.error);
    var details = node.querySelector(".observation");
    var observation = turn.observation || "";
    if (!observation) {
      details.hidden = true;
    } else {
      var firstLine = observation.split("\n", 1)[0];
      var long = turn.observation_length > LONG_OBSERVATION || observation.split("\n").length > 6;
      details.open = !long;
      if (!long) details.classList.add("short");
      details.querySelector("summary").textContent = long
        ? firstLine.slice(0, 140) + " … (" + number(turn.observation_length) + " characters)"
        : "observation";
      details.querySelector(".observation-text").textContent = observation;
      var full = details.querySelector(".full-text");
      if (turn.observation_length > observation.length) {
        full.hidden = false;
        full.addEventListener("click", function () {
          full.disabled = true;
          getJSON(data.urls.turn + turn.seq + "/").then(function (whole) {
            details.querySelector(".observation-text").textContent = whole.observation;
            full.hidden = true;
          });
        });
      }
    }
    var changes = node.querySelector(".turn-changes");
    (turn.file_changes || []).forEach(function (change) {
      var item = el("li", "change op-" + token(change.op));
      var link = el("button", "link", change.op + " " + change.path);
      link.type = "button";
      link.addEventListener("click", function () {
        openChange(change.path, change.id);
      });
      item.appendChild(link);
      changes.appendChild(item);
    });
    changes.hidden = !changes.children.length;
    return node;
  }

  function domCount() {
    return timeline.children.length;
  }

  function firstDomSeq() {
    var first = timeline.firstElementChild;
    return first ? Number(first.getAttribute("data-seq")) : state.lastSeq + 1;
  }

  function atBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_BOTTOM;
  }

  function scrollToEnd() {
    scroller.scrollTop = scroller.scrollHeight;
  }

  function trimTop() {
    while (domCount() > WINDOW) timeline.removeChild(timeline.firstElementChild);
    refreshOlderButton();
  }

  function refreshOlderButton() {
    olderButton.hidden = firstDomSeq() <= 1 || (!domCount() && !state.lastSeq);
    emptyNote.hidden = domCount() > 0;
  }

  function refreshNewButton() {
    newButton.hidden = state.unseen === 0;
    newButton.textContent = state.unseen + (state.unseen === 1 ? " new turn ↓" : " new turns ↓");
  }

  function showTurn(turn) {
    if (state.detached) {
      state.unseen += 1;
    } else if (state.following) {
      timeline.appendChild(renderTurn(turn));
      trimTop();
      scrollToEnd();
    } else if (domCount() < MAX_DOM) {
      timeline.appendChild(renderTurn(turn));
      state.unseen += 1;
    } else {
      state.detached = true;
      state.unseen += 1;
    }
    refreshNewButton();
    refreshOlderButton();
  }

  function take(turn) {
    state.lastSeq = turn.seq;
    state.latest.push(turn);
    if (state.latest.length > WINDOW) state.latest.shift();
    (turn.file_changes || []).forEach(noteFileChange);
    (turn.messages || []).forEach(noteMessage);
    showTurn(turn);
  }

  function accept(turn) {
    if (turn.seq <= state.lastSeq) {
      state.stats.duplicates += 1;
      return;
    }
    if (turn.seq > state.lastSeq + 1) {
      if (!state.pending.has(turn.seq) && state.pending.size < MAX_PENDING) state.pending.set(turn.seq, turn);
      state.stats.gaps += 1;
      requestBackfill();
      return;
    }
    take(turn);
    while (state.pending.has(state.lastSeq + 1)) {
      var next = state.pending.get(state.lastSeq + 1);
      state.pending.delete(next.seq);
      take(next);
    }
    state.pending.forEach(function (_turn, seq) {
      if (seq <= state.lastSeq) state.pending.delete(seq);
    });
  }

  function requestBackfill() {
    var socket = state.socket;
    if (state.backfilling || !socket || socket.readyState !== WebSocket.OPEN) return;
    state.backfilling = true;
    state.stats.backfills += 1;
    socket.send(JSON.stringify({ type: "backfill", after: state.lastSeq }));
  }

  function scheduleCatchUp() {
    // The figures say there are turns we do not hold. Usually they are on their way (a
    // status can run a few turns ahead); if they have not come in a moment, their hints were
    // lost — and with no later turn to reveal the gap, only a backfill brings them.
    if (state.catchUpTimer) return;
    state.catchUpTimer = window.setTimeout(function () {
      state.catchUpTimer = null;
      if (state.status.turn_count > state.lastSeq) requestBackfill();
    }, CATCH_UP_MS);
  }

  function jumpToEnd(turnCount) {
    // The page slept through more turns than it shows: skip to the newest window.
    timeline.textContent = "";
    state.pending.clear();
    state.latest = [];
    state.lastSeq = Math.max(0, turnCount - WINDOW);
    state.detached = false;
    state.following = true;
    state.unseen = 0;
    refreshNewButton();
    requestBackfill();
  }

  function renderTail() {
    timeline.textContent = "";
    state.latest.forEach(function (turn) {
      timeline.appendChild(renderTurn(turn));
    });
    state.detached = false;
    state.following = true;
    state.unseen = 0;
    refreshNewButton();
    refreshOlderButton();
    scrollToEnd();
  }

  newButton.addEventListener("click", function () {
    if (state.detached) {
      renderTail();
    } else {
      state.following = true;
      state.unseen = 0;
      trimTop();
      refreshNewButton();
      scrollToEnd();
    }
  });

  scroller.addEventListener("scroll", function () {
    if (atBottom()) {
      if (!state.following && !state.detached) {
        state.following = true;
        state.unseen = 0;
        refreshNewButton();
        trimTop();
        scrollToEnd();
      }
    } else {
      state.following = false;
    }
  });

  olderButton.addEventListener("click", function () {
    var before = firstDomSeq();
    if (before <= 1) return;
    olderButton.disabled = true;
    getJSON(data.urls.turns + "?before=" + before + "&limit=" + OLDER_PAGE)
      .then(function (page) {
        var height = scroller.scrollHeight;
        var top = scroller.scrollTop;
        var fragment = document.createDocumentFragment();
        page.turns.forEach(function (turn) {
          if (turn.seq < firstDomSeq()) fragment.appendChild(renderTurn(turn));
        });
        timeline.insertBefore(fragment, timeline.firstElementChild);
        state.following = false;
        scroller.scrollTop = top + (scroller.scrollHeight - height);
        while (domCount() > MAX_DOM) {
          timeline.removeChild(timeline.lastElementChild);
          state.detached = true;
        }
        refreshOlderButton();
      })
      .finally(function () {
        olderButton.disabled = false;
      });
  });

  // -- objectives -------------------------------------------------------------------------------

  function scoreText(score, max) {
    if (score === null || score === undefined) return "";
    return Number(score).toFixed(1) + " / " + Number(max || 0).toFixed(1);
  }

  function renderObjectives(objectives) {
    if (!objectives) return;
    var list = document.getElementById("objectives");
    var objectiveTemplate = document.getElementById("objective-template");
    var deliverableTemplate = document.getElementById("deliverable-template");
    list.textContent = "";
    objectives.forEach(function (objective) {
      var node = objectiveTemplate.content.firstElementChild.cloneNode(true);
      fill(node, ".key", objective.key);
      fill(node, ".title", objective.title);
      var status = fill(node, ".progress-state", objective.status);
      status.classList.add("status-" + token(objective.status));
      fill(node, ".score", scoreText(objective.score, objective.max_score));
      fill(node, ".target", "due " + (objective.target_date || "?") + (objective.reviewer ? " · reviewer " + objective.reviewer : ""));
      var deliverables = node.querySelector(".deliverables");
      objective.deliverables.forEach(function (deliverable) {
        var item = deliverableTemplate.content.firstElementChild.cloneNode(true);
        fill(item, ".key", deliverable.key);
        fill(item, ".title", deliverable.title);
        fill(item, ".path", deliverable.submitted_path || deliverable.path);
        var badge = fill(item, ".progress-state", deliverable.status + (deliverable.submitted_seq ? " at #" + deliverable.submitted_seq : ""));
        badge.classList.add("status-" + token(deliverable.status));
        fill(item, ".score", scoreText(deliverable.score, deliverable.max_score));
        var reasons = item.querySelector(".reasons");
        (deliverable.judge_reasons || []).forEach(function (reason) {
          reasons.appendChild(el("li", "", reason.tag + " " + reason.awarded + "/" + reason.points + ": " + reason.reason));
        });
        reasons.hidden = !reasons.children.length;
        deliverables.appendChild(item);
      });
      list.appendChild(node);
    });
    document.getElementById("objectives-empty").hidden = objectives.length > 0;
  }

  // -- files ---------------------------------------------------------------------------------------

  var filesList = document.getElementById("files");
  var filesDirty = false;

  function noteFileChange(change) {
    var ref = { id: change.id, seq: change.seq, op: change.op, has_diff: change.has_diff };
    if (change.op === "move" && state.files.has(change.source_path)) {
      var moved = state.files.get(change.source_path);
      moved.deleted = true;
      moved.changes.push(ref);
    }
    var file = state.files.get(change.path);
    if (!file) {
      file = { path: change.path, kind: change.kind, size: 0, deleted: false, changes: [] };
      state.files.set(change.path, file);
    }
    file.deleted = change.op === "delete";
    file.size = change.size || file.size;
    file.changes.push(ref);
    scheduleFiles();
  }

  function scheduleFiles() {
    if (filesDirty) return;
    filesDirty = true;
    window.requestAnimationFrame(function () {
      filesDirty = false;
      renderFiles();
    });
  }

  function renderFiles() {
    var paths = Array.from(state.files.keys()).sort(function (a, b) {
      return a.toLowerCase() < b.toLowerCase() ? -1 : 1;
    });
    filesList.textContent = "";
    var shownFolders = new Set();
    var recentFrom = state.lastSeq - RECENT_TURNS;
    paths.forEach(function (path) {
      var file = state.files.get(path);
      var parts = path.split("/");
      for (var depth = 1; depth < parts.length; depth += 1) {
        var folder = parts.slice(0, depth).join("/");
        if (!shownFolders.has(folder)) {
          shownFolders.add(folder);
          var folderNode = el("li", "folder depth-" + Math.min(depth - 1, 8), parts[depth - 1] + "/");
          filesList.appendChild(folderNode);
        }
      }
      var last = file.changes[file.changes.length - 1];
      var item = el("li", "file depth-" + Math.min(parts.length - 1, 8));
      if (file.deleted) item.classList.add("deleted");
      if (last && last.seq > recentFrom) item.classList.add("recent");
      if (file.changes.length) {
        var button = el("button", "link", parts[parts.length - 1]);
        button.type = "button";
        button.title = file.changes.length + " change(s), last at turn #" + last.seq;
        button.addEventListener("click", function () {
          openChange(path, last.id);
        });
        item.appendChild(button);
        item.appendChild(el("span", "change-mark", last.op + " #" + last.seq));
      } else {
        item.appendChild(el("span", "name", parts[parts.length - 1]));
      }
      filesList.appendChild(item);
    });
    document.getElementById("files-count").textContent = "(" + paths.length + ")";
  }

  var diffView = document.getElementById("diff-view");
  document.getElementById("diff-close").addEventListener("click", function () {
    diffView.close();
  });

  function openChange(path, changeId) {
    var file = state.files.get(path);
    var list = document.getElementById("change-list");
    document.getElementById("diff-title").textContent = path;
    list.textContent = "";
    (file ? file.changes : [{ id: changeId, seq: 0, op: "" }]).forEach(function (ref) {
      var item = el("li");
      var button = el("button", "link", ref.op + " at #" + ref.seq);
      button.type = "button";
      if (ref.id === changeId) item.classList.add("current");
      button.addEventListener("click", function () {
        openChange(path, ref.id);
      });
      item.appendChild(button);
      list.appendChild(item);
    });
    var pre = document.getElementById("diff");
    pre.textContent = "loading…";
    if (!diffView.open) diffView.showModal();
    getJSON(data.urls.change + changeId + "/").then(function (change) {
      pre.textContent = "";
      if (!change.diff) {
        pre.textContent = change.op + " " + change.path + (change.source_path ? " (from " + change.source_path + ")" : "") + " — no text diff for this change";
        return;
      }
      change.diff.split("\n").forEach(function (line) {
        var cls = line.charAt(0) === "+" ? "add" : line.charAt(0) === "-" ? "del" : line.charAt(0) === "@" ? "hunk" : "";
        pre.appendChild(el("span", cls, line + "\n"));
      });
    });
  }

  // -- mail --------------------------------------------------------------------------------------

  var mailDirty = false;

  function noteMessage(message) {
    state.messages.set(message.id, message);
    if (mailDirty) return;
    mailDirty = true;
    window.requestAnimationFrame(function () {
      mailDirty = false;
      renderMail();
    });
  }

  function renderMail() {
    var template = document.getElementById("message-template");
    var inbox = document.getElementById("inbox");
    var sent = document.getElementById("sent");
    inbox.textContent = "";
    sent.textContent = "";
    var all = Array.from(state.messages.values()).sort(function (a, b) {
      return a.sent_at < b.sent_at ? 1 : a.sent_at > b.sent_at ? -1 : b.id - a.id;
    });
    all.forEach(function (message) {
      var node = template.content.firstElementChild.cloneNode(true);
      var incoming = message.direction === "incoming";
      fill(node, ".who", incoming ? message.sender : "to " + message.recipients.join(", "));
      fill(node, ".subject", message.subject || "(no subject)");
      fill(node, ".when", simTime(message.sent_at));
      fill(node, ".body", message.body);
      fill(node, ".attachments", message.attachments.length ? "Attached: " + message.attachments.join(", ") : "");
      if (incoming && !message.delivered_at) node.classList.add("in-transit");
      if (incoming && !message.read) node.classList.add("unread");
      (incoming ? inbox : sent).appendChild(node);
    });
  }

  // -- the socket ----------------------------------------------------------------------------------

  function setConnection(text, cls) {
    connection.textContent = text;
    connection.className = "connection " + (cls || "");
  }

  function handle(message) {
    if (message.status) applyStatus(message.status);
    if (message.objectives) renderObjectives(message.objectives);
    if (message.type === "status") {
      state.retries = 0;
      setConnection("live", "live");
      // A reconnecting page learns how far the run got: past a window, skip to the end.
      if (message.status.turn_count - state.lastSeq > MAX_DOM && state.lastSeq > 0) {
        jumpToEnd(message.status.turn_count);
      }
    } else if (message.type === "turn") {
      accept(message.turn);
    } else if (message.type === "replay") {
      state.backfilling = false;
      if (message.more) {
        if ((state.status.turn_count || 0) - state.lastSeq > MAX_DOM) jumpToEnd(state.status.turn_count);
        else requestBackfill();
      } else if (state.pending.size) {
        // A turn that came live while we replayed is still beyond a gap: the turns before it
        // are committed (seqs commit in order), so another backfill brings them.
        requestBackfill();
      }
    }
  }

  function connect() {
    state.reconnectTimer = null;
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var socket = new WebSocket(scheme + "//" + window.location.host + data.ws_path + "?last_seq=" + state.lastSeq);
    state.socket = socket;
    state.backfilling = false;
    socket.addEventListener("open", function () {
      state.stats.connects += 1;
    });
    socket.addEventListener("message", function (event) {
      handle(JSON.parse(event.data));
    });
    socket.addEventListener("close", function () {
      if (state.socket !== socket) return;
      state.socket = null;
      state.backfilling = false;
      if (state.leaving) return;
      var delay = Math.min(30000, 500 * Math.pow(2, state.retries)) * (0.75 + Math.random() / 2);
      state.retries += 1;
      setConnection("reconnecting…", "reconnecting");
      state.reconnectTimer = window.setTimeout(connect, delay);
    });
  }

  window.addEventListener("pagehide", function () {
    state.leaving = true;
    if (state.socket) state.socket.close();
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted && !state.socket) {
      state.leaving = false;
      connect();
    }
  });
  window.addEventListener("online", function () {
    if (!state.socket && state.reconnectTimer) {
      window.clearTimeout(state.reconnectTimer);
      connect();
    }
  });

  // For the browser tests and for a curious researcher's console: read-only figures.
  window.studioLive = {
    lastSeq: function () {
      return state.lastSeq;
    },
    stats: function () {
      return Object.assign({ pending: state.pending.size, connected: !!state.socket }, state.stats);
    },
  };

  // -- first render ----------------------------------------------------------------------------------

  applyStatus(state.status);
  renderObjectives(data.objectives);
  if (data.turns.length) {
    state.lastSeq = data.turns[0].seq - 1;
    data.turns.forEach(accept);
  }
  refreshOlderButton();
  scrollToEnd();
  getJSON(data.urls.files).then(function (tree) {
    var live = state.files;
    state.files = new Map();
    tree.files.forEach(function (file) {
      state.files.set(file.path, file);
    });
    // Changes that arrived over the socket while the tree loaded are applied again on top.
    live.forEach(function (file) {
      file.changes.forEach(function (ref) {
        var known = state.files.get(file.path);
        if (!known || !known.changes.some(function (c) { return c.id === ref.id; })) {
          noteFileChange({ id: ref.id, seq: ref.seq, op: ref.op, has_diff: ref.has_diff, path: file.path, kind: file.kind, size: file.size, source_path: "" });
        }
      });
    });
    renderFiles();
  });
  getJSON(data.urls.messages).then(function (mail) {
    mail.inbox.concat(mail.sent).forEach(function (message) {
      if (!state.messages.has(message.id)) state.messages.set(message.id, message);
    });
    renderMail();
  });
  connect();
})();
