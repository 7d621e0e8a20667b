// Live view of the reward pipeline: polls nothing, listens to /api/events (Server-Sent Events).
const STAGE_COLOURS = [
  "#4e79a7",
  "#f28e2b",
  "#59a14f",
  "#e15759",
  "#b07aa1",
  "#76b7b2",
  "#edc948",
  "#9c755f",
];
const MAX_POINTS = 600;
const STATUS_TEXT = ["ok", "degraded: view missing", "degraded: stale", "error"];

const series = { step: [], phi: [], progress: [], reward: [], latency: [], stage: [] };
const success = { episode: [], rate: [] };
let stageNames = [];
let counter = 0;

function plot(id, labels, colours, yRange) {
  const el = document.getElementById(id);
  const opts = {
    width: 560,
    height: 170,
    scales: { x: { time: false }, ...(yRange ? { y: { range: yRange } } : {}) },
    axes: [
      { stroke: "#9aa3ad", grid: { stroke: "#2a2f37" } },
      { stroke: "#9aa3ad", grid: { stroke: "#2a2f37" } },
    ],
    series: [{ label: "x" }, ...labels.map((label, i) => ({ label, stroke: colours[i], width: 1.5 }))],
  };
  return new uPlot(opts, [[], ...labels.map(() => [])], el);
}

const phiChart = plot("phi-chart", ["Φ(s′)", "progress"], ["#4e79a7", "#59a14f"], [0, 1]);
const rewardChart = plot("reward-chart", ["reward"], ["#f28e2b"]);
const latencyChart = plot("latency-chart", ["latency ms"], ["#e15759"]);
const successChart = plot("success-chart", ["success rate"], ["#59a14f"], [0, 1]);

function trim(arrays) {
  for (const a of Object.values(arrays)) if (a.length > MAX_POINTS) a.splice(0, a.length - MAX_POINTS);
}

function redraw() {
  phiChart.setData([series.step, series.phi, series.progress]);
  rewardChart.setData([series.step, series.reward]);
  latencyChart.setData([series.step, series.latency]);
  successChart.setData([success.episode, success.rate]);
  drawStages();
  document.body.dataset.rewardPoints = String(counter);
}

function drawStages() {
  const canvas = document.getElementById("stages");
  const ctx = canvas.getContext("2d");
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const n = series.stage.length;
  if (n === 0) return;
  const w = canvas.width / n;
  series.stage.forEach((stage, i) => {
    ctx.fillStyle = STAGE_COLOURS[stage % STAGE_COLOURS.length];
    ctx.fillRect(i * w, 0, Math.ceil(w), canvas.height);
  });
  document.getElementById("stage-legend").innerHTML = stageNames
    .map(
      (name, i) =>
        `<span><i style="background:${STAGE_COLOURS[i % STAGE_COLOURS.length]}"></i>${name}</span>`,
    )
    .join("");
}

function addReward(p) {
  counter += 1;
  series.step.push(counter);
  series.phi.push(p.phi);
  series.progress.push(p.progress);
  series.reward.push(p.reward);
  series.latency.push(p.latencyMs);
  series.stage.push(p.stage);
  trim(series);
  const status = document.getElementById("status");
  status.textContent = `episode ${p.episode} step ${p.step} · ${STATUS_TEXT[p.status] ?? p.status}`;
  status.className = "status" + (p.status === 3 ? " error" : p.status > 0 ? " degraded" : "");
}

function addEpisode(e) {
  success.episode.push(e.episode);
  success.rate.push(e.successRate);
  trim(success);
}

function setupCameras(cameras) {
  const section = document.getElementById("cameras");
  section.innerHTML = "";
  cameras.forEach((topic, i) => {
    const figure = document.createElement("figure");
    figure.innerHTML = `<img id="camera-${i}" alt="${topic}" /><figcaption>${topic}</figcaption>`;
    section.appendChild(figure);
  });
}

async function start() {
  const snapshot = await (await fetch("/api/state")).json();
  setupCameras(snapshot.cameras);
  stageNames = snapshot.stageNames;
  document.getElementById("model").textContent = snapshot.model ? `model ${snapshot.model}` : "";
  snapshot.rewards.forEach(addReward);
  snapshot.episodes.forEach(addEpisode);
  snapshot.cameras.forEach(
    (_, i) => (document.getElementById(`camera-${i}`).src = `/camera/${i}.jpg?t=${Date.now()}`),
  );
  redraw();

  let pending = false;
  const schedule = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      redraw();
    });
  };
  const events = new EventSource("/api/events");
  events.addEventListener("reward", (e) => {
    const p = JSON.parse(e.data);
    addReward(p);
    schedule();
  });
  events.addEventListener("episode", (e) => {
    addEpisode(JSON.parse(e.data));
    schedule();
  });
  events.addEventListener("frame", (e) => {
    const { camera } = JSON.parse(e.data);
    const img = document.getElementById(`camera-${camera}`);
    if (img) img.src = `/camera/${camera}.jpg?t=${Date.now()}`;
  });
  events.addEventListener("stages", (e) => {
    stageNames = JSON.parse(e.data);
    schedule();
  });
}

start();
