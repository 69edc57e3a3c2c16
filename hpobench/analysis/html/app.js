// The report's script: draws the study page at once and a run's page when it is picked.
// Everything it needs is in the page: plotly (inlined above) and the JSON blocks below.
"use strict";
const $ = (id) => document.getElementById(id);
const readJson = (id) => JSON.parse($(id).textContent);
let study = null;  // parsed when first drawn: a run page does not wait for the study's figures
const STUDY_DATA = () => (study = study || readJson("study-data"));
const RUNS = readJson("run-index");
const TEMPLATE = readJson("plotly-template");
const CONFIG = {responsive: true, displaylogo: false};

function draw(div, figure) {
  const layout = Object.assign({template: TEMPLATE, height: 360, margin: {t: 50, r: 20, b: 50, l: 60},
                                legend: {orientation: "h", y: -0.25}}, figure.layout);
  return Plotly.newPlot(div, figure.data, layout, CONFIG);
}

// All containers first, then the figures: plotly sizes a figure by its container when drawn.
// Figures marked late (below the first screen, or WebGL ones, slow to start without a GPU) are drawn
// after the others.
// Returns [the others drawn, all drawn].
function panels(parent, figures) {
  const divs = figures.map(([, wide]) => {
    const div = document.createElement("div");
    div.className = wide ? "hb-view wide" : "hb-view";
    parent.appendChild(div);
    return div;
  });
  const early = Promise.all(figures.map(([figure, , late], i) => (late ? null : draw(divs[i], figure))));
  const all = early.then(() => new Promise((resolve) => setTimeout(resolve, 0)))  // let the page mark itself first
    .then(() => Promise.all(figures.map(([figure, , late], i) => (late ? draw(divs[i], figure) : null))));
  return [early, all];
}

// ---- study page ----
function drawStudy(task) {
  const box = $("study-figs");
  box.innerHTML = "";
  const jobs = [panels(box, Object.values(STUDY_DATA().curves[task] || {}).map((f) => [f, false]))];
  const ranks = $("rank-figs");
  if (!ranks.hasChildNodes()) {
    // below the first screen: drawn after the curves
    jobs.push(panels(ranks, Object.values(STUDY_DATA().ranks).map((f) => [f, false, true])));
    jobs.push(panels($("cost-fig"), [[STUDY_DATA().cost, true, true]]));
  }
  return [Promise.all(jobs.map((j) => j[0])), Promise.all(jobs.map((j) => j[1]))];
}

// ---- run page ----
async function unpack(b64) {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return JSON.parse(await new Response(stream).text());
}

function axisOf(p) {
  if (p.kind === "categorical") return {type: "category", categoryorder: "array", categoryarray: p.choices};
  return {type: p.log ? "log" : "linear"};
}

function values(run, p) {
  const v = run.config[p.name];
  return p.kind === "categorical" ? v.map((i) => (i < 0 ? null : p.choices[i])) : v;
}

function history(run) {
  const x = run.loss.map((_, i) => i + 1);
  let best = Infinity;
  const incumbent = run.loss.map((l) => (best = l !== null && l < best ? l : best)).map((b) => (isFinite(b) ? b : null));
  const text = run.trial_id.map((t, i) => `trial ${t}` + (run.fidelity ? `, fidelity ${run.fidelity[i]}` : ""));
  const marker = run.fidelity ? {color: run.fidelity, colorscale: "Viridis", showscale: true,
                                 colorbar: {title: {text: "fidelity"}}, size: 6} : {size: 6, color: "#0072B2"};
  return {data: [
    {type: "scatter", mode: "markers", name: "trial", x, y: run.loss, text, marker,
     hovertemplate: "%{text}<br>loss %{y:.4g}<extra></extra>"},
    {type: "scatter", mode: "lines", name: "incumbent", x, y: incumbent, line: {shape: "hv", color: "#D55E00"},
     hovertemplate: "incumbent after %{x} trials: %{y:.4g}<extra></extra>"}],
    layout: {title: {text: "optimisation history"}, xaxis: {title: {text: "trial (finishing order)"}},
             yaxis: {title: {text: "loss"}}}};
}

function parallel(run) {
  const dims = run.params.map((p) => {
    const v = run.config[p.name];
    if (p.kind === "categorical") {
      return {label: p.name, values: v, tickvals: p.choices.map((_, i) => i), ticktext: p.choices};
    }
    if (!p.log) return {label: p.name, values: v};
    const logs = v.map((x) => (x > 0 ? Math.log10(x) : null));
    return {label: `log10 ${p.name}`, values: logs};
  });
  const ok = run.loss.map((l) => l !== null);
  const keep = (arr) => arr.filter((_, i) => ok[i]);
  const loss = keep(run.loss);
  dims.forEach((d) => (d.values = keep(d.values)));
  dims.push({label: "loss", values: loss});
  return {data: [{type: "parcoords", dimensions: dims,
                  line: {color: loss, colorscale: "Viridis", reversescale: true, showscale: true}}],
          layout: {title: {text: "parallel coordinates (colour: loss; yellow is lower)"}, margin: {t: 80, l: 60, r: 60}}};
}

function slice(run, p) {
  return {data: [{type: "scatter", mode: "markers", x: values(run, p), y: run.loss, text: run.trial_id,
                  marker: {color: run.loss.map((_, i) => i), colorscale: "Blues", size: 6, showscale: false},
                  hovertemplate: `trial %{text}<br>${p.name} %{x}<br>loss %{y:.4g}<extra></extra>`}],
          layout: {title: {text: `slice: ${p.name} (darker: later trials)`}, xaxis: Object.assign({title: {text: p.name}}, axisOf(p)),
                   yaxis: {title: {text: "loss"}}, showlegend: false, height: 300}};
}

function importance(run) {
  const names = Object.keys(run.importance).sort((a, b) => run.importance[a] - run.importance[b]);
  return {data: [{type: "bar", orientation: "h", y: names, x: names.map((n) => run.importance[n]),
                  marker: {color: "#0072B2"}, hovertemplate: "%{y}: %{x:.3f}<extra></extra>"}],
          layout: {title: {text: "importance (PED-ANOVA)"},
                   xaxis: {title: {text: "share of importance"}}, height: 120 + 30 * names.length}};
}

function timeline(run) {
  const dur = run.sim_end.map((e, i) => e - run.sim_start[i]);
  const lx = [], ly = [];
  run.link.forEach((j, i) => {
    if (j === null) return;
    lx.push(run.sim_end[j], run.sim_start[i], null);
    ly.push(run.worker[j], run.worker[i], null);
  });
  // Bars get their colours as strings: plotly.js warns on numeric bar colours with a colour scale.
  const fids = run.fidelity.filter((f) => f !== null);
  const low = Math.min(...fids), high = Math.max(...fids);
  const colours = run.fidelity.map((f) => viridis(high > low ? (f - low) / (high - low) : 1));
  return {data: [
    {type: "bar", orientation: "h", base: run.sim_start, x: dur, y: run.worker, name: "trial",
     marker: {color: colours}, customdata: run.trial_id.map((t, i) => [t, run.fidelity[i]]),
     hovertemplate: "trial %{customdata[0]}<br>fidelity %{customdata[1]}<br>%{base:.4g} s + %{x:.4g} s<extra></extra>"},
    {type: "scatter", mode: "lines", name: "promoted or continued from", x: lx, y: ly,
     line: {color: "#999999", width: 1}, hoverinfo: "skip"},
    {type: "scatter", mode: "markers", x: [null], y: [null], showlegend: false, hoverinfo: "skip",
     marker: {color: [low, high], colorscale: "Viridis", cmin: low, cmax: high, showscale: true,
              colorbar: {title: {text: "fidelity"}}}}],
    layout: {title: {text: "trials by worker over simulated time, coloured by fidelity"}, barmode: "overlay",
             xaxis: {title: {text: "simulated time (s)"}}, yaxis: {title: {text: "worker"}, dtick: 1}}};
}

const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
function viridis(t) {
  const x = Math.max(0, Math.min(1, t)) * (VIRIDIS.length - 1), i = Math.min(Math.floor(x), VIRIDIS.length - 2);
  const c = VIRIDIS[i].map((v, k) => Math.round(v + (x - i) * (VIRIDIS[i + 1][k] - v)));
  return `rgb(${c.join(",")})`;
}

function lineage(run, p) {
  const data = run.lineages.map((chain, k) => {
    const x = [0], y = [];
    chain.forEach((i) => { x.push(run.fidelity[i]); y.push(run.config[p.name][i]); });
    y.push(y[y.length - 1]);
    return {type: "scatter", mode: "lines", x, y, name: `lineage ${k + 1}`, line: {shape: "hv"}, showlegend: false,
            hovertemplate: `lineage ${k + 1}<br>fidelity %{x}: ${p.name} %{y}<extra></extra>`};
  });
  return {data, layout: {title: {text: `PBT schedules: ${p.name} (${run.lineages.length} surviving lineages)`},
                         xaxis: {title: {text: "fidelity"}}, yaxis: Object.assign({title: {text: p.name}}, axisOf(p)),
                         height: 300}};
}

async function drawRun(id) {
  const entry = RUNS[id];
  if (!entry) throw new Error(`no run ${id} in this report`);
  $("picker").value = String(id);
  const run = await unpack($(`run-${id}`).textContent);
  const box = $("run-figs");
  box.innerHTML = "";
  $("run-title").textContent = `${entry.label}: ${run.n} trials`;
  const figures = [[history(run), true], [parallel(run), true, true]];
  if (run.fidelity && new Set(run.fidelity).size > 1) figures.push([timeline(run), true]);
  // below the first screen: drawn after it
  if (Object.keys(run.importance).length) figures.push([importance(run), false, true]);
  run.params.forEach((p) => figures.push([slice(run, p), false, true]));
  if (run.lineages) {
    run.params.filter((p) => p.kind !== "categorical").forEach((p) => figures.push([lineage(run, p), false, true]));
  }
  return panels(box, figures);
}

// ---- navigation: #run=<id> shows a run, anything else the study ----
async function route() {
  const match = /^#run=(\d+)$/.exec(location.hash);
  $("study").hidden = Boolean(match);
  $("runs").hidden = !match;
  return match ? drawRun(Number(match[1])) : drawStudy($("task-picker").value);
}

// Marks for tests and the benchmark: #usable-ms when every view but the late ones is drawn, then
// #ready-ms, the title "ready" and a console line when all are (milliseconds since navigation began).
function mark(id, started) {
  const ms = Math.round(performance.now() - started);
  $(id).textContent = String(ms);
  return ms;
}

$("task-picker").addEventListener("change", (e) => drawStudy(e.target.value));
$("picker").addEventListener("change", (e) => { location.hash = `run=${e.target.value}`; });
window.addEventListener("hashchange", () => route());
const started = 0;  // performance.now() counts from the start of navigation
const failed = (error) => reportError(String((error && error.stack) || error));
route().then(([usable, all]) => {
  usable.then(() => mark("usable-ms", started), failed);
  return all;
}).catch(failed).finally(() => {
  const ms = mark("ready-ms", started);
  document.title = "ready";
  console.info(`hpobench-ready ${ms} usable ${$("usable-ms").textContent}`);
});
