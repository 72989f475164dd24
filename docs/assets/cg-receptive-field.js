// Receptive-field calculator: an editable list of sliding-window layers; per layer the output size and the
// field's size, jump and start (the same recurrence as cnn_glossary.receptive_field), and a drawing of one
// unit's field on the input. Presets are a JSON block the build writes from snippets/widgets/receptive_field.py.
(function () {
  "use strict";

  const core = {
    // Zeros TensorFlow's "same" puts before the input (the odd extra one goes after).
    samePaddingBefore(i, k, s, d) {
      const kEff = d * (k - 1) + 1;
      const out = Math.ceil(i / s);
      return Math.floor(Math.max((out - 1) * s + kEff - i, 0) / 2);
    },
    // One row per layer: {outputSize, size, jump, start, centre} along one axis (square inputs).
    fields(inputSize, layers) {
      let size = 1, jump = 1, start = 0, n = inputSize;
      const rows = [];
      for (const l of layers) {
        const kEff = l.dilation * (l.kernel - 1) + 1;
        let before, out;
        if (l.padding === "same") {
          before = core.samePaddingBefore(n, l.kernel, l.stride, l.dilation);
          out = Math.ceil(n / l.stride);
        } else {
          const p = l.padding === "valid" ? 0 : Number(l.padding);
          before = p;
          out = n + 2 * p >= kEff ? Math.floor((n + 2 * p - kEff) / l.stride) + 1 : null;
        }
        size = size + (kEff - 1) * jump;
        start = start - before * jump;
        jump = jump * l.stride;
        rows.push({ outputSize: out, size, jump, start, centre: start + (size - 1) / 2 });
        if (out === null) break;
        n = out;
      }
      return rows;
    },
  };
  window.cgRfCore = core;

  const el = (tag, attrs = {}, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  // Beyond 2^53 a number is no longer exact, and far beyond it becomes Infinity: shown as "too large".
  const exact = (v) => Number.isFinite(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER;
  const num = (v) => (!exact(v) ? "too large" : Number.isInteger(v) ? String(v) : v.toFixed(1));
  const SVGNS = "http://www.w3.org/2000/svg";
  const svg = (tag, attrs) => {
    const e = document.createElementNS(SVGNS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    return e;
  };

  function mount(root) {
    const data = JSON.parse(document.getElementById(root.dataset.source).textContent);
    let inputSize = 28, layers = [], chosen = 0, unit = [0, 0], presetName = "";

    root.replaceChildren();
    // Material binds single keys on the whole page (p and "," previous page, n and "." next page, s, f and /
    // search). While the widget has focus a typed key is the widget's: it never leaves the page.
    root.addEventListener("keydown", (e) => {
      if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) e.stopPropagation();
    });
    const id = (s) => `${root.id}-${s}`;
    const problem = el("p", { class: "cg-error", id: id("problem"), role: "status", "aria-live": "polite" });
    problem.hidden = true;
    // A whole number from lo to hi, or null after saying so next to the controls and putting back `current`.
    const wholeNumber = (input, lo, hi, label, current) => {
      const text = input.value.trim(), v = Number(text);
      if (text !== "" && Number.isInteger(v) && v >= lo && v <= hi) {
        problem.hidden = true;
        problem.textContent = "";
        root.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
        return v;
      }
      problem.textContent = `${label}: ` + (text === "" ? "empty or not a number" : `"${text}" is not usable`) +
        `; give a whole number from ${lo} to ${hi}. It stays ${current}.`;
      problem.hidden = false;
      input.value = String(current);
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", problem.id);
      return null;
    };
    const top = el("div", { class: "cg-controls" });
    const presetSel = el("select", { id: id("preset") });
    for (const name of Object.keys(data.presets)) presetSel.append(el("option", { value: name }, name));
    presetSel.append(el("option", { value: "" }, "custom"));
    presetSel.addEventListener("change", () => presetSel.value && set({ preset: presetSel.value }));
    const sizeIn = el("input", { id: id("input-size"), type: "number", min: "1", max: "1024", step: "1" });
    sizeIn.addEventListener("change", () => {
      const v = wholeNumber(sizeIn, 1, 1024, "Input size", inputSize);
      if (v !== null) { inputSize = v; edited(); }
    });
    const add = el("button", { type: "button", class: "md-button" }, "Add a layer");
    add.addEventListener("click", () => {
      layers.push({ name: `layer${layers.length + 1}`, kind: "conv", kernel: 3, stride: 1, dilation: 1, padding: "valid" });
      chosen = layers.length - 1;
      edited();
      root.querySelector(`tbody tr:last-child input`)?.focus();
    });
    top.append(
      el("span", { class: "cg-control" }), el("span", { class: "cg-control" }), add);
    top.children[0].append(el("label", { for: presetSel.id }, "Preset"), presetSel);
    top.children[1].append(el("label", { for: sizeIn.id }, "Input size"), sizeIn);

    const tableWrap = el("div", { class: "cg-scroll cg-rf-table", tabindex: "0", role: "region",
      "aria-label": "Layers and their receptive fields" });
    const picture = el("div", { class: "cg-row" });
    const unitControls = el("div", { class: "cg-controls" });
    const status = el("p", { class: "cg-status", "aria-live": "polite" });
    root.append(top, problem, tableWrap, unitControls, picture, status);

    const unitIns = ["row", "column"].map((which, axis) => {
      const input = el("input", { id: id(`unit-${which}`), type: "number", min: "0", step: "1" });
      input.addEventListener("change", () => {
        const v = wholeNumber(input, 0, Number(input.max) || 0, `Unit ${which}`, unit ? unit[axis] : 0);
        if (v !== null) { unit[axis] = v; draw(); }
      });
      const wrap = el("span", { class: "cg-control" });
      wrap.append(el("label", { for: input.id }, `Unit ${which}`), input);
      unitControls.append(wrap);
      return input;
    });

    function edited() {
      presetName = "";
      render();
    }

    // Public: {preset: name} or {input_size, layers: [{name, kind, kernel, stride, dilation, padding}]}.
    function set(s) {
      if (s.preset !== undefined) {
        const p = data.presets[s.preset];
        if (!p) throw new Error("no preset " + s.preset);
        presetName = s.preset;
        s = p;
      } else presetName = "";
      inputSize = s.input_size;
      layers = s.layers.map((l) => ({ ...l }));
      chosen = layers.length - 1;
      unit = null;
      render();
      return state();
    }

    function cell(tr, content) {
      const td = el("td");
      td.append(content);
      tr.append(td);
      return td;
    }

    function render() {
      presetSel.value = presetName;
      sizeIn.value = inputSize;
      const rows = core.fields(inputSize, layers);
      const table = el("table");
      const head = el("tr");
      for (const h of ["layer", "type", "kernel", "stride", "dilation", "padding", "output", "field size", "jump",
        "start", "centre of unit 0", "remove"]) head.append(el("th", { scope: "col" }, h));
      const thead = el("thead");
      thead.append(head);
      const tbody = el("tbody");
      layers.forEach((l, i) => {
        const tr = el("tr", { "data-layer": l.name });
        if (i === chosen) tr.classList.add("cg-chosen");
        const show = el("button", { type: "button", class: "md-button", "aria-pressed": String(i === chosen),
          "aria-label": `Draw the field of ${l.name}` }, l.name);
        show.addEventListener("click", () => { chosen = i; unit = null; render(); });
        cell(tr, show);
        const kind = el("select", { "aria-label": `${l.name} type` });
        for (const k of ["conv", "pool", "pad"]) kind.append(el("option", { value: k }, k));
        kind.value = l.kind;
        kind.addEventListener("change", () => {
          l.kind = kind.value;
          if (l.kind === "pad") Object.assign(l, { kernel: 1, stride: 1, dilation: 1, padding: 1 });
          edited();
        });
        cell(tr, kind);
        for (const key of ["kernel", "stride", "dilation"]) {
          const input = el("input", { type: "number", min: "1", max: "99", step: "1", value: l[key],
            "aria-label": `${l.name} ${key}` });
          input.addEventListener("change", () => {
            const v = wholeNumber(input, 1, 99, `${l.name} ${key}`, l[key]);
            if (v !== null) { l[key] = v; edited(); }
          });
          cell(tr, input);
        }
        const pad = el("select", { "aria-label": `${l.name} padding` });
        const options = ["valid", "same", ...Array.from({ length: 8 }, (_, p) => String(p))];
        if (!options.includes(String(l.padding))) options.push(String(l.padding));
        for (const p of options) pad.append(el("option", { value: p }, p));
        pad.value = String(l.padding);
        pad.addEventListener("change", () => { l.padding = /^\d+$/.test(pad.value) ? +pad.value : pad.value; edited(); });
        cell(tr, pad);
        const r = rows[i];
        const values = r === undefined ? ["", "", "", "", ""]
          : r.outputSize === null ? ["too small", "", "", "", ""]
            : [`${r.outputSize}×${r.outputSize}`, num(r.size), num(r.jump), num(r.start), num(r.centre)];
        values.forEach((v, j) => tr.append(el("td", { class: `cg-rf-${["output", "size", "jump", "start", "centre"][j]}` }, v)));
        const remove = el("button", { type: "button", class: "md-button", "aria-label": `Remove ${l.name}` }, "Remove");
        remove.addEventListener("click", () => {
          layers.splice(i, 1);
          chosen = Math.min(chosen, layers.length - 1);
          edited();
        });
        cell(tr, remove);
        tbody.append(tr);
      });
      table.append(thead, tbody);
      tableWrap.replaceChildren(table);
      draw(rows);
    }

    function draw(rows = core.fields(inputSize, layers)) {
      const r = rows[chosen];
      picture.replaceChildren();
      if (!r || r.outputSize === null) {
        status.textContent = layers.length ? "The input is too small for these layers: some layer has no output."
          : "Add a layer to see its receptive field.";
        root.dataset.field = "";
        return;
      }
      if (![r.size, r.jump, r.start].every(exact)) {
        status.textContent = `The field of ${layers[chosen].name} is too large to compute exactly (more than ` +
          "2^53 pixels): use fewer layers or smaller strides, kernels or dilations.";
        root.dataset.field = "";
        return;
      }
      if (unit === null) unit = [Math.floor((r.outputSize - 1) / 2), Math.floor((r.outputSize - 1) / 2)];
      unit = unit.map((u) => Math.min(u, r.outputSize - 1));
      unitIns.forEach((input, axis) => { input.max = r.outputSize - 1; input.value = unit[axis]; });
      const span = unit.map((u) => [r.start + u * r.jump, r.start + u * r.jump + r.size - 1]);
      const clipped = span.map(([a, b]) => [Math.max(a, 0), Math.min(b, inputSize - 1)]);
      const lo = Math.min(0, span[0][0], span[1][0]), hi = Math.max(inputSize - 1, span[0][1], span[1][1]);
      const extent = hi - lo + 1, px = 260 / extent;
      const pic = svg("svg", { viewBox: `0 0 270 270`, width: "270", height: "270", role: "img",
        "aria-label": `Input ${inputSize} by ${inputSize} pixels with the field of unit (${unit[0]}, ${unit[1]}) ` +
          `of ${layers[chosen].name}: rows ${clipped[0][0]} to ${clipped[0][1]}, columns ${clipped[1][0]} to ` +
          `${clipped[1][1]} inside the input` });
      const xy = (v) => 5 + (v - lo) * px;
      pic.append(
        svg("rect", { x: xy(0), y: xy(0), width: inputSize * px, height: inputSize * px, fill: "#9e9e9e55",
          stroke: "currentColor", "stroke-width": "1" }),
        svg("rect", { x: xy(span[1][0]), y: xy(span[0][0]), width: r.size * px, height: r.size * px, fill: "none",
          stroke: "#b26a00", "stroke-width": "2", "stroke-dasharray": "5 3", class: "cg-rf-full" }),
      );
      const empty = clipped.some(([a, b]) => b < a);  // a unit at the edge of a padded layer may see only zeros
      if (!empty) {
        pic.append(svg("rect", { x: xy(clipped[1][0]), y: xy(clipped[0][0]), width: (clipped[1][1] - clipped[1][0] + 1) * px,
          height: (clipped[0][1] - clipped[0][0] + 1) * px, fill: "#ffd54f99", stroke: "#b26a00", "stroke-width": "2",
          class: "cg-rf-clipped" }));
      }
      const fig = el("figure", { class: "cg-grid" });
      fig.append(pic, el("figcaption", {},
        `Grey: the ${inputSize}×${inputSize} input. Amber: what unit (${unit[0]}, ${unit[1]}) of ` +
        `${layers[chosen].name} sees; dashed: its full ${num(r.size)}×${num(r.size)} field, which may reach ` +
        "into the padding."));
      picture.append(fig);
      root.dataset.field = JSON.stringify({ layer: layers[chosen].name, unit, span, clipped });
      status.textContent = `${layers[chosen].name}, unit (${unit[0]}, ${unit[1]}): rows ${num(span[0][0])} to ` +
        `${num(span[0][1])}, columns ${num(span[1][0])} to ${num(span[1][1])}; ` + (empty
        ? "all of it in the padding, outside the input."
        : `inside the input rows ${clipped[0][0]} to ${clipped[0][1]}, columns ${clipped[1][0]} to ${clipped[1][1]}.`);
    }

    // Everything shown, read back from the page.
    function state() {
      const rows = [...tableWrap.querySelectorAll("tbody tr")].map((tr) => {
        const text = (c) => tr.querySelector(`.cg-rf-${c}`).textContent;
        return { name: tr.dataset.layer, output: text("output"), size: text("size"), jump: text("jump"),
          start: text("start"), centre: text("centre") };
      });
      return { preset: presetName, input_size: inputSize, rows,
        field: root.dataset.field ? JSON.parse(root.dataset.field) : null, status: status.textContent };
    }

    window.cgReceptiveField = {
      set, state,
      choose(layerIndex, u) { chosen = layerIndex; unit = u ? [...u] : null; render(); return state(); },
    };
    set({ preset: data.start });
  }

  function start() {
    document.querySelectorAll(".cg-widget[data-widget=receptive-field]").forEach(mount);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
