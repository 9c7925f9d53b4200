// Batch page: poll the batch's JSON until it ends, updating the table in place.
(function () {
  "use strict";
  const root = document.getElementById("batch");
  if (!root) return;
  const id = root.dataset.batch;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function pill(status) { return el("span", "pill " + status, status); }
  function badge(score) {
    if (score === null || score === undefined) return el("span", "badge none", "–");
    return el("span", "badge " + (score >= 8 ? "good" : score >= 5 ? "fair" : "poor"), score + "/10");
  }
  function fill(cell, ...children) { cell.replaceChildren(...children); }

  function render(data) {
    root.dataset.state = data.state;
    fill(document.getElementById("batch-state"), pill(data.state));
    document.getElementById("batch-done").textContent = data.done;
    const bar = document.getElementById("batch-bar");
    bar.max = data.total; bar.value = data.done;
    const message = document.getElementById("batch-message");
    message.hidden = !data.message;
    message.textContent = data.message || "";
    data.topics.forEach(function (t, i) {
      const row = document.querySelector('tr[data-topic="' + i + '"]');
      if (!row) return;
      const topic = row.querySelector(".topic");
      const title = t.status === "succeeded" && t.folder ? el("a", null, t.topic) : document.createTextNode(t.topic);
      if (title.tagName === "A") title.href = "/reports/" + encodeURIComponent(t.folder);
      fill(topic, title, ...(t.error ? [el("div", "error-line", t.error)] : []));
      fill(row.querySelector(".status"), pill(t.status));
      row.querySelector(".iterations").textContent = t.iterations + " / " + data.max_iterations;
      fill(row.querySelector(".score"), badge(t.score));
    });
  }

  async function poll() {
    try {
      const response = await fetch("/api/batches/" + encodeURIComponent(id), { cache: "no-store" });
      if (response.ok) {
        const data = await response.json();
        render(data);
        if (data.state !== "running") return;
      }
    } catch (e) { /* the server may be restarting; try again */ }
    setTimeout(poll, 700);
  }
  if (root.dataset.state === "running") setTimeout(poll, 300);
})();
