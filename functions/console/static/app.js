// Sitepulse console: a dependency-free single-page app over the Sitepulse API.
// Charts are inline SVG drawn by the few functions below (no library, no CDN: works offline).
// Times are shown in UTC, as the API speaks them.
"use strict";

const KEY_STORAGE = "sitepulse.apiKey";
const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;
const SVG_NS = "http://www.w3.org/2000/svg";
const PAGES = {
  occupancy: { title: "Occupancy", scope: "occupancy:read", render: renderOccupancy },
  temperature: { title: "Temperature", scope: "temperature:read", render: renderTemperature },
  stores: { title: "Store uptime", scope: "reports:read", render: renderStores },
  bookings: { title: "Bookings", scope: "bookings:read", render: renderBookings },
  alerts: { title: "Alerts", scope: "alerts:read", render: renderAlerts },
};
// Which alert kinds a domain page shows as a firing badge.
const FIRING_ON = { occupancy: "occupancy_above", temperature: "temperature_outside", stores: "store_down" };
let renderSerial = 0; // a page rendered later wins over a slower earlier one
let pollTimer = null;

// ------------------------------------------------------------------ API access

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

async function api(path, options = {}) {
  const headers = { Accept: "application/json", Authorization: `Bearer ${apiKey()}` };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method: options.method || "GET",
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    // Revalidate every time: the browser sends the ETag it holds and reuses its copy on a 304.
    cache: "no-cache",
  });
  let payload = null;
  try {
    payload = await response.json();
  } catch (_) {
    payload = null;
  }
  if (!response.ok) {
    const message = (payload && payload.message) || `HTTP ${response.status}`;
    throw new ApiError(response.status, message);
  }
  return payload;
}

// Every page of a paginated listing (bounded: a console never needs more than a few pages).
async function allPages(path, field, maxPages = 10) {
  const items = [];
  let token = null;
  for (let page = 0; page < maxPages; page += 1) {
    const sep = path.includes("?") ? "&" : "?";
    const url = `${path}${sep}limit=1000${token ? `&next_token=${encodeURIComponent(token)}` : ""}`;
    const body = await api(url);
    items.push(...body[field]);
    token = body.next_token;
    if (!token) break;
  }
  return items;
}

async function inBatches(items, size, work) {
  const results = [];
  for (let start = 0; start < items.length; start += size) {
    results.push(...(await Promise.all(items.slice(start, start + size).map(work))));
  }
  return results;
}

// ------------------------------------------------------------------ DOM helpers

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined) node.append(child);
  }
  return node;
}

function message(kind, text) {
  return el("p", { class: `message ${kind}`, role: kind === "info" ? "status" : "alert" }, text);
}

function problem(error, what) {
  // API Gateway refuses a bad key itself with a bare 403 "Forbidden" (no function runs): the key
  // is malformed, unknown, revoked, expired or lacks the scope. A function's own 403 says more
  // (a resource outside the key's limits).
  if (error instanceof ApiError && error.status === 403 && error.message === "Forbidden") {
    showKeyForm(true);
    return message("forbidden", `This API key was refused (403 Forbidden): it is not allowed to ${what}. ` +
      "Either it lacks the scope for this, or it is unknown, mistyped, revoked or expired. " +
      "Enter another key above, or ask an administrator for a key with that scope.");
  }
  if (error instanceof ApiError && error.status === 403) {
    return message("forbidden", `This API key is not allowed to ${what} (403: ${error.message}). ` +
      "Ask an administrator for a key with that scope, or change the key above.");
  }
  if (error instanceof ApiError && error.status === 401) {
    showKeyForm(true);
    return message("forbidden", `No API key was sent (401: ${error.message}). Enter a key above.`);
  }
  return message("error", `Could not ${what}: ${error.message}`);
}

function table(headers, rows, caption) {
  return el("div", { class: "table-scroll" },
    el("table", {},
      caption ? el("caption", { class: "muted", text: caption }) : null,
      el("thead", {}, el("tr", {}, headers.map((h) => el("th", { scope: "col", class: h.num ? "num" : null }, typeof h === "string" ? h : h.label)))),
      el("tbody", {}, rows.map((row) => el("tr", {}, row.map((cell, i) =>
        el("td", { class: headers[i].num ? "num" : null }, cell)))))));
}

function tableView(headers, rows, caption) {
  return el("details", {}, el("summary", {}, "Table view"), table(headers, rows, caption));
}

function utc(iso, withDate = true) {
  const d = new Date(iso);
  const text = d.toISOString();
  return withDate ? `${text.slice(0, 10)} ${text.slice(11, 16)} UTC` : `${text.slice(11, 16)}`;
}

function isoMinute(date) {
  return `${date.toISOString().slice(0, 16)}:00Z`;
}

function floorHour(ms) {
  return Math.floor(ms / HOUR) * HOUR;
}

// ------------------------------------------------------------------ charts (inline SVG)

const CHART = { width: 760, height: 240, left: 46, right: 14, top: 14, bottom: 30 };

// Round tick values: a step of 1, 2 or 5 × 10^k giving at most `most` intervals over [min, max].
function ticks(min, max, integer = false, most = 5) {
  const span = Math.max(max - min, 1e-9);
  let step = 1;
  for (const magnitude of [10 ** Math.floor(Math.log10(span / most))]) {
    step = [1, 2, 5, 10].map((f) => f * magnitude).find((candidate) => span / candidate <= most);
  }
  if (integer) step = Math.max(step, 1);
  const low = Math.floor(min / step) * step;
  const high = Math.max(Math.ceil(max / step) * step, low + step);
  const values = [];
  for (let v = low; v <= high + step / 2; v += step) values.push(Number(v.toFixed(6)));
  return { min: low, max: high, values };
}

function yScale(min, max) {
  const span = max - min || 1;
  const inner = CHART.height - CHART.top - CHART.bottom;
  return (v) => CHART.top + inner - ((v - min) / span) * inner;
}

function gridAndTicks(values, y, format) {
  const nodes = [];
  for (const value of values) {
    const py = y(value);
    nodes.push(svg("line", { class: "grid-line", x1: CHART.left, x2: CHART.width - CHART.right, y1: py, y2: py }));
    const label = svg("text", { x: CHART.left - 6, y: py + 4, "text-anchor": "end" });
    label.textContent = format(value);
    nodes.push(label);
  }
  return nodes;
}

// points: [{t: epoch ms, v: number|null}] evenly spaced; gaps (null) break the line.
function lineChart({ points, title, unit, zeroBased = false, stepped = false, timeLabel, labelEvery }) {
  const values = points.map((p) => p.v).filter((v) => v !== null);
  const low = values.length ? Math.min(...values) : 0;
  const high = values.length ? Math.max(...values) : 1;
  const scale = zeroBased ? ticks(0, Math.max(high, 1), true) : ticks(low - 0.5, high + 0.5);
  const { min, max } = scale;
  const y = yScale(min, max);
  const t0 = points[0].t;
  const t1 = points[points.length - 1].t;
  const x = (t) => CHART.left + ((t - t0) / (t1 - t0 || 1)) * (CHART.width - CHART.left - CHART.right);
  const segments = [];
  let current = [];
  points.forEach((p, i) => {
    if (p.v === null) {
      if (current.length) segments.push(current);
      current = [];
      return;
    }
    if (stepped && i > 0 && current.length) current.push([x(p.t), y(current[current.length - 1][2])]);
    current.push([x(p.t), y(p.v), p.v]);
  });
  if (current.length) segments.push(current);
  const base = y(Math.max(min, 0));
  const paths = segments.flatMap((seg) => {
    const line = seg.map(([px, py], i) => `${i ? "L" : "M"}${px.toFixed(1)},${py.toFixed(1)}`).join("");
    const nodes = [svg("path", { class: "series", d: seg.length > 1 ? line : `${line}h1` })];
    if (zeroBased && seg.length > 1) {
      nodes.unshift(svg("path", { class: "area", d: `${line}L${seg[seg.length - 1][0].toFixed(1)},${base}L${seg[0][0].toFixed(1)},${base}Z` }));
    }
    return nodes;
  });
  const labels = [];
  const every = labelEvery || Math.max(1, Math.ceil(points.length / 8));
  points.forEach((p, i) => {
    if (i % every !== 0) return;
    const label = svg("text", { x: x(p.t), y: CHART.height - CHART.bottom + 16, "text-anchor": "middle" });
    label.textContent = timeLabel(p.t);
    labels.push(label);
  });
  const format = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1));
  const titleNode = svg("title");
  titleNode.textContent = title;
  return svg("svg", { class: "chart", viewBox: `0 0 ${CHART.width} ${CHART.height}`, role: "img", "aria-label": `${title} (${unit})` },
    titleNode,
    gridAndTicks(scale.values, y, format),
    svg("line", { class: "axis", x1: CHART.left, x2: CHART.width - CHART.right, y1: CHART.height - CHART.bottom, y2: CHART.height - CHART.bottom }),
    paths, labels);
}

// bars: [{key, label, value, long}]; onSelect(key) makes bars keyboard-operable buttons.
function barChart({ bars, title, unit, selected, onSelect, labelEvery = 1 }) {
  const scale = ticks(0, Math.max(...bars.map((b) => b.value), 1), true);
  const y = yScale(0, scale.max);
  const inner = CHART.width - CHART.left - CHART.right;
  const slot = inner / bars.length;
  const width = Math.max(1, slot * 0.72);
  const nodes = bars.map((bar, i) => {
    const px = CHART.left + i * slot + (slot - width) / 2;
    const top = y(bar.value);
    const group = [svg("rect", { class: bar.key === selected ? "bar selected" : "bar", x: px, y: top, width, height: Math.max(0, y(0) - top) })];
    if (i % labelEvery === 0) {
      const label = svg("text", { x: px + width / 2, y: CHART.height - CHART.bottom + 16, "text-anchor": "middle" });
      label.textContent = bar.label;
      group.push(label);
    }
    if (onSelect) {
      const hit = svg("rect", {
        class: "bar-hit", x: CHART.left + i * slot, y: CHART.top, width: slot, height: y(0) - CHART.top,
        tabindex: "0", role: "button", "aria-label": `${bar.long || bar.label}: ${bar.value} ${unit}`,
        onclick: () => onSelect(bar.key),
        onkeydown: (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); onSelect(bar.key); } },
      });
      const tip = svg("title");
      tip.textContent = `${bar.long || bar.label}: ${bar.value}`;
      hit.append(tip);
      group.push(hit);
    }
    return group;
  });
  const titleNode = svg("title");
  titleNode.textContent = title;
  return svg("svg", { class: "chart", viewBox: `0 0 ${CHART.width} ${CHART.height}`, role: onSelect ? "group" : "img", "aria-label": `${title} (${unit})` },
    titleNode, gridAndTicks(scale.values, y, (v) => String(v)),
    svg("line", { class: "axis", x1: CHART.left, x2: CHART.width - CHART.right, y1: y(0), y2: y(0) }), nodes);
}

// ------------------------------------------------------------------ occupancy

async function renderOccupancy(main, serial) {
  const sensors = await allPages("/api/sensors", "sensors");
  const now = await inBatches(sensors, 8, (sensor) => api(`/api/sensors/${encodeURIComponent(sensor)}/occupancy`));
  if (serial !== renderSerial) return;
  const occupied = now.filter((o) => o.inside > 0).sort((a, b) => b.inside - a.inside);
  const chartArea = el("div", { id: "occupancy-chart" });
  const sensorSelect = el("select", { id: "sensor", name: "sensor" }, sensors.map((s) => el("option", { value: s }, s)));
  if (occupied.length) sensorSelect.value = occupied[0].sensor;
  const dayInput = el("input", { type: "date", id: "day", name: "day" });
  const draw = () => drawOccupancyChart(chartArea, sensorSelect.value, dayInput.value);
  sensorSelect.addEventListener("change", draw);
  dayInput.addEventListener("change", draw);
  main.append(el("div", { class: "split" },
    el("section", { class: "card", "aria-labelledby": "inside-now" },
      el("h2", { id: "inside-now" }, "Sensors with people inside now"),
      occupied.length
        ? table([{ label: "Sensor" }, { label: "People inside", num: true }], occupied.map((o) => [o.sensor, o.inside]))
        : message("info", `Nobody is inside any of the ${sensors.length} sensors' rooms right now.`),
      el("p", { class: "muted" }, `${sensors.length} sensors in total.`)),
    sensors.length
      ? el("section", { class: "card", "aria-labelledby": "occupancy-day" },
        el("h2", { id: "occupancy-day" }, "People inside over a day"),
        el("div", { class: "controls" },
          el("label", { for: "sensor" }, "Sensor", sensorSelect),
          el("label", { for: "day" }, "Day (UTC; empty = last 24 h)", dayInput),
          el("button", { type: "button", class: "secondary", onclick: () => { dayInput.value = ""; draw(); } }, "Last 24 h")),
        chartArea)
      : null));
  if (sensors.length) await draw();
}

async function drawOccupancyChart(area, sensor, day) {
  let from;
  let to;
  if (day) {
    from = new Date(`${day}T00:00:00Z`);
    to = new Date(from.getTime() + DAY);
  } else {
    to = new Date(Math.ceil(Date.now() / (15 * 60 * 1000)) * 15 * 60 * 1000);
    from = new Date(to.getTime() - DAY);
  }
  area.replaceChildren(message("info", "Loading…"));
  try {
    const query = `from=${isoMinute(from)}&to=${isoMinute(to)}&step=15m`;
    const series = await api(`/api/sensors/${encodeURIComponent(sensor)}/occupancy/series?${query}`);
    const points = series.points.map((p) => ({ t: Date.parse(p.at), v: p.inside }));
    const title = `People inside ${sensor}, ${day ? `${day} (UTC)` : "last 24 hours"}, every 15 minutes`;
    const labelEvery = 12; // every 3 hours
    const peak = Math.max(...series.points.map((p) => p.inside));
    area.replaceChildren(
      lineChart({ points, title, unit: "people", zeroBased: true, stepped: true, labelEvery, timeLabel: (t) => utc(t, false) }),
      el("p", { class: "muted" }, `Peak ${peak} people; each point is the count at the end of its 15 minutes.`),
      tableView([{ label: "At (UTC)" }, { label: "People inside", num: true }],
        series.points.map((p) => [utc(p.at), p.inside]), title));
  } catch (error) {
    area.replaceChildren(problem(error, "read occupancy"));
  }
}

// ------------------------------------------------------------------ temperature

async function renderTemperature(main, serial) {
  const buildings = await allPages("/api/v1/buildings", "buildings");
  if (serial !== renderSerial) return;
  if (!buildings.length) {
    main.append(message("info", "No building has reported a temperature yet."));
    return;
  }
  const buildingSelect = el("select", { id: "building", name: "building" }, buildings.map((b) => el("option", { value: b }, b)));
  const rooms = el("div", { id: "rooms" });
  const detail = el("div", { id: "room-detail" });
  const showBuilding = async () => {
    rooms.replaceChildren(message("info", "Loading…"));
    detail.replaceChildren();
    const building = buildingSelect.value;
    try {
      const list = await allPages(`/api/v1/buildings/${encodeURIComponent(building)}/rooms`, "rooms");
      rooms.replaceChildren(table(
        [{ label: "Room" }, { label: "Latest °C", num: true }, { label: "Recorded (UTC)" }],
        list.map((r) => [
          el("button", { type: "button", class: "row-link", onclick: () => showRoom(detail, building, r.room) }, r.room),
          r.latest_temperature.toFixed(2), utc(r.latest_recorded_at)])),
      el("p", { class: "muted" }, "Choose a room for its last 7 days."));
      if (list.length) await showRoom(detail, building, list[0].room);
    } catch (error) {
      rooms.replaceChildren(problem(error, "read temperatures"));
    }
  };
  buildingSelect.addEventListener("change", showBuilding);
  main.append(
    el("div", { class: "controls" }, el("label", { for: "building" }, "Building", buildingSelect)),
    el("div", { class: "split" },
      el("section", { class: "card", "aria-labelledby": "rooms-title" }, el("h2", { id: "rooms-title" }, "Rooms"), rooms),
      detail));
  await showBuilding();
}

async function showRoom(detail, building, room) {
  const base = `/api/v1/buildings/${encodeURIComponent(building)}/rooms/${encodeURIComponent(room)}/temperatures`;
  const to = new Date(floorHour(Date.now()) + HOUR);
  const from = new Date(to.getTime() - 7 * DAY);
  const chart = el("div", { id: "temperature-chart" }, message("info", "Loading…"));
  const durationSelect = el("select", { id: "duration", name: "duration" },
    [["15m", "15 minutes"], ["1h", "1 hour"], ["6h", "6 hours"], ["1d", "1 day"], ["7d", "7 days"]]
      .map(([v, l]) => el("option", { value: v, selected: v === "1h" }, l)));
  const average = el("p", { id: "average", "aria-live": "polite" });
  const showAverage = async () => {
    try {
      const result = await api(`${base}/average?duration=${durationSelect.value}`);
      average.replaceChildren(
        result.average_temperature === null
          ? `No reading in the last ${durationSelect.selectedOptions[0].textContent}.`
          : el("span", {}, el("span", { class: "big" }, `${result.average_temperature.toFixed(2)} °C`),
            ` average of ${result.readings} reading${result.readings === 1 ? "" : "s"}, ${utc(result.from)} – ${utc(result.to)}`));
    } catch (error) {
      average.replaceChildren(problem(error, "read the average temperature"));
    }
  };
  durationSelect.addEventListener("change", showAverage);
  detail.replaceChildren(el("section", { class: "card", "aria-labelledby": "room-title" },
    el("h2", { id: "room-title" }, `${room} (${building})`),
    el("div", { class: "controls" }, el("label", { for: "duration" }, "Average over the last", durationSelect)),
    average, chart));
  await showAverage();
  try {
    const series = await api(`${base}/series?from=${isoMinute(from)}&to=${isoMinute(to)}&step=1h`);
    const title = `Hourly average temperature of ${room}, last 7 days`;
    chart.replaceChildren(
      lineChart({ points: series.points.map((p) => ({ t: Date.parse(p.from), v: p.average_temperature })), title, unit: "°C",
        labelEvery: 24, timeLabel: (t) => new Date(t).toISOString().slice(5, 10) }),
      tableView([{ label: "Hour (UTC)" }, { label: "Average °C", num: true }, { label: "Readings", num: true }],
        series.points.map((p) => [utc(p.from), p.average_temperature === null ? "–" : p.average_temperature.toFixed(2), p.readings]), title));
  } catch (error) {
    chart.replaceChildren(problem(error, "read temperatures"));
  }
}

// ------------------------------------------------------------------ store uptime

function reportRow(report) {
  return [
    utc(report.created_at),
    el("span", { class: `status-${report.status}` }, report.status),
    report.progress.total === null ? "–" : `${report.progress.done} / ${report.progress.total}`,
    report.stores === null ? "–" : report.stores,
    report.download_url ? el("a", { href: report.download_url, download: `report-${report.report_id}.csv` }, "CSV") : "–",
  ];
}

async function renderStores(main, serial) {
  const reports = await api("/api/reports?limit=20");
  if (serial !== renderSerial) return;
  const live = el("div", { id: "report-progress", "aria-live": "polite" });
  const trigger = el("button", { type: "button", id: "trigger-report" }, "Generate a report");
  const past = el("div", { id: "past-reports" });
  const worst = el("div", { id: "most-downtime" });
  const showPast = (list) => past.replaceChildren(list.length
    ? table([{ label: "Started (UTC)" }, { label: "Status" }, { label: "Progress (stores)", num: true }, { label: "Rows", num: true }, { label: "Download" }],
      list.map(reportRow))
    : message("info", "No report has been generated yet."));
  trigger.addEventListener("click", async () => {
    trigger.disabled = true;
    live.replaceChildren(message("info", "Starting…"));
    try {
      const started = await api("/api/reports", { method: "POST", body: {} });
      await followReport(live, started.report_id, async () => {
        const fresh = await api("/api/reports?limit=20");
        showPast(fresh.reports);
        await showMostDowntime(worst, fresh.reports);
      });
    } catch (error) {
      live.replaceChildren(problem(error, "start reports"));
    } finally {
      trigger.disabled = false;
    }
  });
  showPast(reports.reports);
  main.append(
    el("section", { class: "card", "aria-labelledby": "new-report" },
      el("h2", { id: "new-report" }, "New report"),
      el("p", { class: "muted" }, "Uptime and downtime of every store within business hours over the last hour, day and week."),
      trigger, live),
    el("div", { class: "grid" },
      el("section", { class: "card", "aria-labelledby": "past-title" }, el("h2", { id: "past-title" }, "Past reports"), past),
      el("section", { class: "card", "aria-labelledby": "worst-title" }, el("h2", { id: "worst-title" }, "Stores with the most downtime"), worst)));
  await showMostDowntime(worst, reports.reports);
}

function followReport(live, reportId, onComplete) {
  const bar = el("progress", { id: "report-bar", max: "1" });
  const label = el("p", { id: "report-status" }, "Running…");
  live.replaceChildren(el("label", { for: "report-bar" }, `Report ${reportId}`), bar, label);
  return new Promise((resolve) => {
    const tick = async () => {
      let report;
      try {
        report = await api(`/api/reports/${reportId}`);
      } catch (error) {
        live.append(problem(error, "read the report"));
        resolve();
        return;
      }
      const { done, total } = report.progress;
      if (total) {
        bar.max = total;
        bar.value = done;
        label.textContent = `${report.status}: ${done} of ${total} stores`;
      } else {
        bar.removeAttribute("value");
        label.textContent = `${report.status}: planning…`;
      }
      if (report.status === "Running") {
        pollTimer = setTimeout(tick, 700);
        return;
      }
      if (report.status === "Complete") {
        bar.max = 1;
        bar.value = 1;
        label.replaceChildren(`Complete: ${report.stores} stores. `,
          el("a", { id: "download-report", href: report.download_url, download: `report-${report.report_id}.csv` }, "Download the CSV"));
      } else {
        label.replaceChildren(message("error", `Failed: ${report.error}`));
      }
      await onComplete();
      resolve();
    };
    tick();
  });
}

function parseCsv(text) {
  const [header, ...lines] = text.trim().split(/\r?\n/);
  const names = header.split(",");
  return lines.filter(Boolean).map((line) => Object.fromEntries(line.split(",").map((v, i) => [names[i], v])));
}

async function showMostDowntime(area, reports) {
  const latest = reports.find((r) => r.status === "Complete");
  if (!latest) {
    area.replaceChildren(message("info", "No complete report yet: generate one."));
    return;
  }
  try {
    const response = await fetch(latest.download_url, { cache: "no-store" });
    if (!response.ok) throw new ApiError(response.status, `download failed (HTTP ${response.status})`);
    const rows = parseCsv(await response.text())
      .sort((a, b) => Number(b.downtime_last_week) - Number(a.downtime_last_week) || (a.store_id < b.store_id ? -1 : 1))
      .slice(0, 10);
    area.replaceChildren(
      el("p", { class: "muted" }, `From the report of ${utc(latest.created_at)} (report instant ${latest.now ? utc(latest.now) : "–"}).`),
      table([{ label: "Store" }, { label: "Down, week (h)", num: true }, { label: "Down, day (h)", num: true }, { label: "Down, hour (min)", num: true }, { label: "Up, week (h)", num: true }],
        rows.map((r) => [r.store_id, r.downtime_last_week, r.downtime_last_day, r.downtime_last_hour, r.uptime_last_week]),
        "Ten stores with the most downtime over the last week"));
  } catch (error) {
    area.replaceChildren(problem(error, "read the latest report"));
  }
}

// ------------------------------------------------------------------ bookings

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

async function renderBookings(main, serial) {
  const hotels = await allPages("/api/hotels", "hotels");
  if (serial !== renderSerial) return;
  if (!hotels.length) {
    main.append(message("info", "No hotel has sent booking events yet."));
    return;
  }
  const hotelSelect = el("select", { id: "hotel", name: "hotel" }, hotels.map((h) => el("option", { value: h }, `Hotel ${h}`)));
  const yearInput = el("input", { type: "number", id: "year", name: "year", min: "1970", max: "9999", value: String(new Date().getUTCFullYear()) });
  const months = el("div", { id: "month-chart" });
  const days = el("div", { id: "day-chart" });
  let month = null;
  const draw = async () => {
    months.replaceChildren(message("info", "Loading…"));
    days.replaceChildren();
    const hotel = hotelSelect.value;
    const year = yearInput.value;
    try {
      const [perMonth, perDay] = await Promise.all([
        api(`/api/dashboard?hotel_id=${hotel}&year=${year}&period=month`),
        api(`/api/dashboard?hotel_id=${hotel}&year=${year}&period=day`),
      ]);
      const total = perMonth.values.reduce((sum, v) => sum + v.bookings, 0);
      const drawDays = (key) => {
        month = key;
        const values = perDay.values.filter((v) => v.period.startsWith(key));
        const title = `Bookings per night of ${MONTHS[Number(key.slice(5)) - 1]} ${year}, hotel ${hotel}`;
        days.replaceChildren(el("h2", { id: "days-title" }, title),
          barChart({ bars: values.map((v) => ({ key: v.period, label: v.period.slice(8), long: v.period, value: v.bookings })), title, unit: "bookings", labelEvery: 3 }),
          tableView([{ label: "Night" }, { label: "Bookings", num: true }], values.map((v) => [v.period, v.bookings]), title));
        drawMonths();
      };
      const drawMonths = () => {
        const title = `Bookings per month of ${year}, hotel ${hotel}`;
        months.replaceChildren(
          el("p", { class: "muted" }, `${total} booked room-nights in ${year}. Choose a month (click, or Tab and Enter) for its days.`),
          barChart({
            bars: perMonth.values.map((v) => ({ key: v.period, label: MONTHS[Number(v.period.slice(5)) - 1], long: v.period, value: v.bookings })),
            title, unit: "bookings", selected: month, onSelect: drawDays,
          }),
          tableView([{ label: "Month" }, { label: "Bookings", num: true }], perMonth.values.map((v) => [v.period, v.bookings]), title));
      };
      const busiest = perMonth.values.reduce((best, v) => (v.bookings > best.bookings ? v : best), perMonth.values[0]);
      drawDays(month && month.startsWith(year) ? month : busiest.period);
    } catch (error) {
      months.replaceChildren(problem(error, "read bookings"));
    }
  };
  hotelSelect.addEventListener("change", draw);
  yearInput.addEventListener("change", draw);
  main.append(
    el("div", { class: "controls" },
      el("label", { for: "hotel" }, "Hotel", hotelSelect),
      el("label", { for: "year" }, "Year", yearInput)),
    el("div", { class: "grid" },
      el("section", { class: "card", "aria-labelledby": "months-title" }, el("h2", { id: "months-title" }, "Per month"), months),
      el("section", { class: "card" }, days)));
  await draw();
}

// ------------------------------------------------------------------ alerts

function targetOf(rule) {
  if (rule.kind === "occupancy_above") return `sensor ${rule.sensor}`;
  if (rule.kind === "temperature_outside") return `${rule.building} / ${rule.room}`;
  return `store ${rule.store_id}`;
}

function conditionOf(rule) {
  if (rule.kind === "occupancy_above") return `more than ${rule.max} people`;
  if (rule.kind === "temperature_outside") return `outside ${rule.min}–${rule.max} °C for ${rule.for}`;
  return `inactive for ${rule.for} of business time`;
}

function stateBadge(state) {
  return el("span", { class: `badge ${state === "FIRING" ? "firing" : "ok"}` }, state);
}

// The firing rules of one kind, as a banner on its domain page (nothing without alerts:read).
async function firingBanner(kind) {
  let rules;
  try {
    rules = await allPages("/api/alerts", "alerts", 3);
  } catch (_) {
    return null;
  }
  const firing = rules.filter((r) => r.kind === kind && r.state === "FIRING");
  if (!firing.length) return null;
  return el("p", { class: "message firing-banner", role: "status" },
    stateBadge("FIRING"), ` ${firing.length} alert${firing.length > 1 ? "s" : ""} firing: `,
    firing.map((r, i) => [i ? ", " : "", el("a", { href: `/console/alerts/${r.alert_id}`, "data-page": "alerts" }, `${r.name} (${targetOf(r)})`)]));
}

const RULE_FIELDS = {
  occupancy_above: [["sensor", "Sensor", "text"], ["max", "Max people", "number"]],
  temperature_outside: [["building", "Building", "text"], ["room", "Room", "text"], ["min", "Min °C", "number"], ["max", "Max °C", "number"], ["for", "For (e.g. 15m)", "text"]],
  store_down: [["store_id", "Store id", "text"], ["for", "For (e.g. 1h)", "text"]],
};

function ruleForm(onCreated) {
  const status = el("div", { id: "alert-form-status" });
  const fields = el("div", { class: "controls", id: "alert-fields" });
  const kind = el("select", { id: "alert-kind", name: "kind" },
    Object.keys(RULE_FIELDS).map((k) => el("option", { value: k }, k)));
  const name = el("input", { id: "alert-name", name: "name", required: true, maxlength: 200 });
  const url = el("input", { id: "alert-url", name: "webhook_url", type: "url", required: true, placeholder: "an https URL" });
  const drawFields = () => fields.replaceChildren(...RULE_FIELDS[kind.value].map(([field, label, type]) =>
    el("label", { for: `alert-${field}` }, label,
      el("input", { id: `alert-${field}`, name: field, type, step: type === "number" ? "any" : null, required: true }))));
  kind.addEventListener("change", drawFields);
  drawFields();
  const form = el("form", { id: "alert-form", class: "card" },
    el("h2", {}, "New rule"),
    el("div", { class: "controls" },
      el("label", { for: "alert-name" }, "Name", name),
      el("label", { for: "alert-kind" }, "Kind", kind),
      el("label", { for: "alert-url" }, "Webhook URL", url)),
    fields,
    el("button", { type: "submit", id: "create-alert" }, "Create rule"),
    status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { name: name.value, kind: kind.value, webhook_url: url.value };
    for (const [field, , type] of RULE_FIELDS[kind.value]) {
      const value = form.querySelector(`[name="${field}"]`).value;
      body[field] = type === "number" ? Number(value) : value;
    }
    try {
      const created = await api("/api/alerts", { method: "POST", body });
      status.replaceChildren(message("info", `Created ${created.alert_id}. Its signing secret, shown only now: `),
        el("code", { id: "alert-secret" }, created.secret));
      onCreated();
    } catch (error) {
      status.replaceChildren(problem(error, "create the rule"));
    }
  });
  return form;
}

async function showAlert(area, alertId) {
  area.replaceChildren(message("info", "Loading…"));
  try {
    const rule = await api(`/api/alerts/${encodeURIComponent(alertId)}`);
    area.replaceChildren(
      el("h2", {}, rule.name, " ", stateBadge(rule.state)),
      el("p", { class: "muted" }, `${rule.kind}: ${targetOf(rule)}, ${conditionOf(rule)} → ${rule.webhook_url}`),
      el("h3", {}, "Recent transitions"),
      rule.transitions.length
        ? table([{ label: "State" }, { label: "Value", num: true }, { label: "At (UTC)" }],
          rule.transitions.map((t) => [stateBadge(t.state === "RESOLVED" ? "OK" : "FIRING"), t.value, utc(t.at)]))
        : message("info", "No transition yet."),
      el("h3", {}, "Recent deliveries"),
      rule.deliveries.length
        ? table([{ label: "Notification" }, { label: "Status" }, { label: "Attempts", num: true }, { label: "Last error" }, { label: "Delivered (UTC)" }],
          rule.deliveries.map((d) => [d.state, d.status, d.attempts, d.last_error || "", d.delivered_at ? utc(d.delivered_at) : ""]))
        : message("info", "Nothing delivered yet."));
  } catch (error) {
    area.replaceChildren(problem(error, "read the rule"));
  }
}

async function renderAlerts(main, serial) {
  const rules = await allPages("/api/alerts", "alerts");
  if (serial !== renderSerial) return;
  const detail = el("section", { class: "card", id: "alert-detail", "aria-live": "polite" });
  const selected = location.pathname.split("/")[3];
  const rows = rules.map((rule) => [
    el("a", { href: `/console/alerts/${rule.alert_id}`, "data-page": "alerts", class: "alert-link" }, rule.name),
    stateBadge(rule.state), rule.kind, targetOf(rule), conditionOf(rule),
    el("button", { type: "button", class: "secondary delete-alert", "aria-label": `Delete ${rule.name}`,
      onclick: async () => {
        try {
          await api(`/api/alerts/${encodeURIComponent(rule.alert_id)}`, { method: "DELETE" });
          navigate("/console/alerts");
        } catch (error) {
          detail.replaceChildren(problem(error, "delete the rule"));
        }
      } }, "Delete"),
  ]);
  main.append(
    el("section", { class: "card", "aria-labelledby": "alert-rules" },
      el("h2", { id: "alert-rules" }, "Rules"),
      rules.length
        ? table([{ label: "Name" }, { label: "State" }, { label: "Kind" }, { label: "Target" }, { label: "Condition" }, { label: "Actions" }], rows)
        : message("info", "No alert rule yet.")),
    detail,
    ruleForm(() => setTimeout(() => navigate("/console/alerts"), 1500)));
  if (selected) await showAlert(detail, selected);
  else detail.replaceChildren(message("info", rules.length ? "Choose a rule to see its transitions and deliveries." : "Create a rule below."));
}

// ------------------------------------------------------------------ shell: key, navigation, pages

function pageOf(path) {
  const name = path.replace(/^\/console\/?/, "").split("/")[0];
  return PAGES[name] ? name : "occupancy";
}

function showKeyForm(visible) {
  document.getElementById("key-form").hidden = !visible;
  document.getElementById("forget-key").hidden = visible;
  if (visible) document.getElementById("api_key").focus();
}

async function render() {
  const serial = ++renderSerial;
  clearTimeout(pollTimer);
  const name = pageOf(location.pathname);
  const page = PAGES[name];
  document.title = `${page.title} · Sitepulse console`;
  for (const link of document.querySelectorAll("nav a")) {
    if (link.dataset.page === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const main = document.getElementById("main");
  main.replaceChildren(el("h1", {}, page.title));
  if (!apiKey()) {
    showKeyForm(true);
    main.append(message("info", "Enter an API key above to see this page."));
    return;
  }
  showKeyForm(false);
  const body = el("div", { id: `page-${name}` }, message("info", "Loading…"));
  main.append(body);
  const content = el("div");
  try {
    const banner = FIRING_ON[name] ? firingBanner(FIRING_ON[name]) : Promise.resolve(null);
    await page.render(content, serial);
    const firing = await banner;
    if (firing) content.prepend(firing);
    if (serial === renderSerial) body.replaceChildren(...content.childNodes);
  } catch (error) {
    if (serial === renderSerial) body.replaceChildren(problem(error, `read ${page.title.toLowerCase()} (scope ${page.scope})`));
  }
}

function navigate(path) {
  if (path !== location.pathname) history.pushState({}, "", path);
  render();
  document.getElementById("main").focus();
}

document.addEventListener("DOMContentLoaded", () => {
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-page]");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(link.getAttribute("href"));
  });
  document.getElementById("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = document.getElementById("api_key");
    sessionStorage.setItem(KEY_STORAGE, input.value.trim());
    input.value = "";
    render();
  });
  document.getElementById("forget-key").addEventListener("click", () => {
    sessionStorage.removeItem(KEY_STORAGE);
    render();
  });
  window.addEventListener("popstate", render);
  render();
});
