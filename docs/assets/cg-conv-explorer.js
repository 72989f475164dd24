// Convolution explorer: a kernel sliding over a zero-padded input, one output cell at a time.
// Plain script (no modules: Chromium refuses module scripts on pages opened from disk). The data
// (table rows, their inputs, the kernels) is a JSON block the build writes from snippets/widgets/conv_explorer.py.
// The arithmetic is in window.cgConvCore, the same formulas as cnn_glossary.conv; the browser tests compare
// everything this widget shows with the Python package and TensorFlow.
(function () {
  "use strict";

  const core = {
    effectiveKernelSize(k, d) {
      return k + (k - 1) * (d - 1);
    },
    // Zeros (before, after) along one axis; "same" follows TensorFlow (odd extra zero after).
    paddingAmounts(i, k, padding, s, d) {
      const kEff = core.effectiveKernelSize(k, d);
      if (typeof padding === "number") return [padding, padding];
      if (padding === "valid") return [0, 0];
      if (padding === "full") return [kEff - 1, kEff - 1];
      if (padding === "same") {
        const out = Math.ceil(i / s);
        const total = Math.max((out - 1) * s + kEff - i, 0);
        return [Math.floor(total / 2), total - Math.floor(total / 2)];
      }
      throw new Error("unknown padding " + padding);
    },
    // Output length along one axis, or null when the kernel does not fit in the padded input.
    outputSize(i, k, padding, s, d) {
      const [b, a] = core.paddingAmounts(i, k, padding, s, d);
      const span = i + b + a - core.effectiveKernelSize(k, d);
      return span < 0 ? null : Math.floor(span / s) + 1;
    },
    pad(x, before, after) {
      const n = x.length + before + after;
      const out = [];
      for (let r = 0; r < n; r++) {
        const row = [];
        for (let c = 0; c < n; c++) {
          const rr = r - before, cc = c - before;
          row.push(rr >= 0 && rr < x.length && cc >= 0 && cc < x.length ? x[rr][cc] : 0);
        }
        out.push(row);
      }
      return out;
    },
    // The window of output cell (r, c): the padded-input positions of every tap, with its product.
    taps(xp, kernel, r, c, s, d) {
      const out = [];
      for (let i = 0; i < kernel.length; i++) {
        for (let j = 0; j < kernel.length; j++) {
          const y = r * s + i * d, x = c * s + j * d;
          out.push({ y, x, input: xp[y][x], weight: kernel[i][j], product: xp[y][x] * kernel[i][j] });
        }
      }
      return out;
    },
    // Cross-correlation (no kernel flip), what a Keras Conv2D layer computes.
    conv(x, kernel, padding, s, d) {
      const k = kernel.length;
      const o = core.outputSize(x.length, k, padding, s, d);
      if (o === null) return null;
      const [b, a] = core.paddingAmounts(x.length, k, padding, s, d);
      const xp = core.pad(x, b, a);
      const out = [];
      for (let r = 0; r < o; r++) {
        const row = [];
        for (let c = 0; c < o; c++) row.push(core.taps(xp, kernel, r, c, s, d).reduce((t, p) => t + p.product, 0));
        out.push(row);
      }
      return out;
    },
  };
  window.cgConvCore = core;

  const PADDINGS = ["valid", "same", "full", 0, 1, 2, 3];
  const el = (tag, attrs = {}, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  const padLabel = (p) => (typeof p === "number" ? String(p) : p);

  function mount(root) {
    const data = JSON.parse(document.getElementById(root.dataset.source).textContent);
    const rowsByName = Object.fromEntries(data.rows.map((r) => [r.name, r]));
    const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    let settings = {}, rowName = null, t = 0, timer = null, model = null;

    root.replaceChildren();
    root.classList.add("cg-widget--live");
    const form = el("form", { class: "cg-controls", "aria-label": "Convolution settings" });
    form.addEventListener("submit", (e) => e.preventDefault());
    const selects = {};
    const control = (key, label, options) => {
      const id = `${root.id}-${key}`;
      const wrap = el("span", { class: "cg-control" });
      const select = el("select", { id });
      for (const [value, text] of options) select.append(el("option", { value }, text));
      wrap.append(el("label", { for: id }, label), select);
      form.append(wrap);
      selects[key] = select;
      select.addEventListener("change", () => onControl(key));
    };
    control("row", "Table row", [...data.rows.map((r) => [r.name, r.name.replaceAll("_", " ")]), ["", "custom"]]);
    control("input_size", "Input size", range(3, 9).map((n) => [n, n]));
    control("kernel_size", "Kernel size", range(1, 5).map((n) => [n, n]));
    control("padding", "Padding", PADDINGS.map((p) => [padLabel(p), padLabel(p)]));
    control("stride", "Stride", range(1, 3).map((n) => [n, n]));
    control("dilation", "Dilation", range(1, 3).map((n) => [n, n]));

    const buttons = el("div", { class: "cg-buttons", role: "group", "aria-label": "Animation" });
    const button = (name, text, title, fn) => {
      const b = el("button", { type: "button", class: "md-button", "data-action": name, title }, text);
      b.addEventListener("click", () => { fn(); });
      buttons.append(b);
      return b;
    };
    button("first", "First", "First window (Home)", () => { pause(); go(0); });
    button("back", "◀ Step back", "Step back (Left arrow)", () => { pause(); go(t - 1); });
    const playButton = button("play", "▶ Play", "Play or pause (P)", () => (timer ? pause() : play()));
    button("forward", "Step forward ▶", "Step forward (Right arrow)", () => { pause(); go(t + 1); });
    button("last", "Last", "Last window (End)", () => { pause(); go(Infinity); });

    const formula = el("p", { class: "cg-formula" });
    const error = el("p", { class: "cg-error", role: "alert" });
    const stage = el("div", { class: "cg-stage", tabindex: "0", role: "group",
      "aria-label": "Input, kernel and output grids; Left and Right arrows step the window" });
    const products = el("p", { class: "cg-products" });
    const status = el("p", { class: "cg-status", "aria-live": "polite" });
    root.append(form, buttons, formula, error, stage, products, status);

    root.addEventListener("keydown", (e) => {
      if (e.target.tagName === "SELECT" || e.ctrlKey || e.metaKey || e.altKey) return;
      const keys = { ArrowRight: () => go(t + 1), ArrowLeft: () => go(t - 1), Home: () => go(0),
        End: () => go(Infinity), p: () => (timer ? pause() : play()) };
      const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;  // the advertised "P" with or without Shift
      if (keys[key]) {
        e.preventDefault();
        e.stopPropagation();
        if (key !== "p") pause();
        keys[key]();
      }
    });
    // Material binds single keys on the whole page (p and "," previous page, n and "." next page, s, f and /
    // search). While the widget has focus a typed key is the widget's: it never leaves the page.
    root.addEventListener("keydown", (e) => {
      if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) e.stopPropagation();
    });

    function onControl(key) {
      if (key === "row") {
        if (selects.row.value) return set({ row: selects.row.value });
        rowName = null;
        return render();
      }
      const p = selects.padding.value;
      set({
        input_size: +selects.input_size.value, kernel_size: +selects.kernel_size.value,
        padding: /^\d+$/.test(p) ? +p : p, stride: +selects.stride.value, dilation: +selects.dilation.value,
      });
    }

    function matchingRow(s) {
      return data.rows.find((r) => ["input_size", "kernel_size", "padding", "stride", "dilation"]
        .every((k) => r[k] === s[k]));
    }

    // Public: change the settings ({row: name} or the five numbers), pausing any animation.
    function set(s) {
      pause();
      if (s.row !== undefined) {
        const row = rowsByName[s.row];
        if (!row) throw new Error("no table row " + s.row);
        s = row;
      }
      settings = { input_size: s.input_size, kernel_size: s.kernel_size, padding: s.padding,
        stride: s.stride, dilation: s.dilation };
      const row = matchingRow(settings);
      rowName = row ? row.name : null;
      t = 0;
      render();
      return state();
    }

    function inputValues() {
      if (rowName) return rowsByName[rowName].input;
      return data.free_input.slice(0, settings.input_size).map((r) => r.slice(0, settings.input_size));
    }

    function render() {
      const { input_size: i, kernel_size: k, padding, stride: s, dilation: d } = settings;
      selects.row.value = rowName || "";
      selects.input_size.value = i; selects.kernel_size.value = k; selects.padding.value = padLabel(padding);
      selects.stride.value = s; selects.dilation.value = d;
      const x = inputValues(), kernel = data.kernels[String(k)];
      const kEff = core.effectiveKernelSize(k, d);
      const [b, a] = core.paddingAmounts(i, k, padding, s, d);
      const o = core.outputSize(i, k, padding, s, d);
      formula.replaceChildren();
      formula.append(el("span", { class: "cg-formula-keff" },
        `k_eff = k + (k − 1)(d − 1) = ${k} + ${k - 1}·${d - 1} = ${kEff}`), el("br"),
      el("span", { class: "cg-formula-out" }, o === null
        ? `o = ⌊(i + p_before + p_after − k_eff) / s⌋ + 1 = ⌊(${i} + ${b} + ${a} − ${kEff}) / ${s}⌋ + 1: undefined`
        : `o = ⌊(i + p_before + p_after − k_eff) / s⌋ + 1 = ⌊(${i} + ${b} + ${a} − ${kEff}) / ${s}⌋ + 1 = ${o}`));
      if (o === null) {
        model = null;
        error.textContent = `Keras would reject this setting: the kernel spans ${kEff} cells ` +
          `(k_eff) but the padded input is only ${i + b + a} wide (${i} + ${b} + ${a}). ` +
          "Use more padding, a smaller kernel or a smaller dilation.";
        error.hidden = false;
        stage.hidden = products.hidden = true;
        stage.replaceChildren();
        status.textContent = "No output: the kernel is larger than the padded input.";
        root.dataset.outputSize = "";
        return;
      }
      error.hidden = true;
      error.textContent = "";
      stage.hidden = products.hidden = false;
      const xp = core.pad(x, b, a);
      model = { xp, kernel, o, b, s, d, out: core.conv(x, kernel, padding, s, d) };
      root.dataset.outputSize = o;
      stage.replaceChildren(
        grid("input", `Input ${i}×${i}, padded to ${xp.length}×${xp.length}`, xp, (r, c) =>
          r < b || c < b || r >= b + i || c >= b + i ? "cg-pad" : ""),
        grid("kernel", `Kernel ${k}×${k}`, kernel, () => ""),
        grid("output", `Output ${o}×${o}`, Array.from({ length: o }, () => Array(o).fill("")), () => ""),
      );
      go(t);
    }

    function grid(kind, caption, values, cls) {
      const fig = el("figure", { class: `cg-grid cg-conv-${kind}` });
      const table = el("table");
      table.append(el("caption", {}, caption));
      values.forEach((row, r) => {
        const tr = el("tr");
        row.forEach((v, c) => {
          const td = el("td", { class: cls(r, c) }, String(v));
          tr.append(td);
        });
        table.append(tr);
      });
      fig.append(table);
      return fig;
    }

    function go(target) {
      if (!model) return;
      const n = model.o * model.o;
      t = Math.max(0, Math.min(n - 1, target));
      const r = Math.floor(t / model.o), c = t % model.o;
      const taps = core.taps(model.xp, model.kernel, r, c, model.s, model.d);
      const inCells = stage.querySelectorAll(".cg-conv-input td");
      inCells.forEach((td) => td.classList.remove("cg-window"));
      for (const tap of taps) inCells[tap.y * model.xp.length + tap.x].classList.add("cg-window");
      stage.querySelectorAll(".cg-conv-output td").forEach((td, idx) => {
        td.textContent = idx <= t ? String(model.out[Math.floor(idx / model.o)][idx % model.o]) : "";
        td.classList.toggle("cg-window", idx === t);
      });
      const sum = taps.reduce((acc, p) => acc + p.product, 0);
      products.textContent = taps.map((p) => `${p.input}×${p.weight}`).join(" + ") + ` = ${sum}`;
      status.textContent = `Step ${t + 1} of ${n}: output row ${r + 1}, column ${c + 1}, sum ${sum}.`;
    }

    function play() {
      if (!model) return;
      if (t >= model.o * model.o - 1) go(0);
      playButton.textContent = "⏸ Pause";
      playButton.setAttribute("aria-pressed", "true");
      timer = setInterval(() => {
        if (t >= model.o * model.o - 1) return pause();
        go(t + 1);
      }, 900);
    }

    function pause() {
      if (timer) clearInterval(timer);
      timer = null;
      playButton.textContent = "▶ Play";
      playButton.setAttribute("aria-pressed", "false");
    }

    // Everything shown, read back from the page (what the browser tests compare with Python).
    function state() {
      const read = (sel) => [...stage.querySelectorAll(`${sel} tr`)].map((tr) =>
        [...tr.querySelectorAll("td")].map((td) => (td.textContent === "" ? null : Number(td.textContent))));
      return {
        settings: { ...settings }, row: rowName, step: t, error: error.hidden ? null : error.textContent,
        formula: formula.textContent, input: read(".cg-conv-input"), kernel: read(".cg-conv-kernel"),
        output: read(".cg-conv-output"), products: products.textContent, status: status.textContent,
        window: [...stage.querySelectorAll(".cg-conv-input td")].map((td, idx) => td.classList.contains("cg-window") ? idx : -1)
          .filter((idx) => idx >= 0),
      };
    }

    window.cgConvExplorer = { set, state, go: (n) => { pause(); go(n); return state(); }, play, pause,
      last: () => { pause(); go(Infinity); return state(); } };
    set({ row: data.start });
    if (!reduceMotion && "IntersectionObserver" in window) {
      const seen = new IntersectionObserver((entries) => {
        if (entries.some((e) => e.isIntersecting)) { seen.disconnect(); play(); }
      }, { threshold: 0.6 });
      seen.observe(stage);
      root.addEventListener("pointerdown", () => seen.disconnect(), { once: true });
      root.addEventListener("focusin", () => seen.disconnect(), { once: true });
    }
  }

  function start() {
    document.querySelectorAll(".cg-widget[data-widget=conv-explorer]").forEach(mount);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
