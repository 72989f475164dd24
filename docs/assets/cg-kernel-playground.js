// Kernel playground: a 3x3 kernel applied to the Filters page's test digit ("same" zero padding), by
// cross-correlation (what Conv2D computes) or true convolution (the kernel turned 180 degrees), drawn with the
// page figures' colour scales. The digit, kernels and scales are a JSON block written by
// snippets/widgets/kernel_playground.py.
(function () {
  "use strict";

  const core = {
    // out[r][c] = sum_ij x[r+i-1][c+j-1] * w[i][j] with zeros outside; convolve turns w by 180 degrees first.
    respond(x, w, convolve) {
      const n = x.length, k = w.length, h = (k - 1) / 2;
      const kernel = convolve ? w.map((row, i) => row.map((_, j) => w[k - 1 - i][k - 1 - j])) : w;
      const out = [];
      for (let r = 0; r < n; r++) {
        const row = [];
        for (let c = 0; c < n; c++) {
          let s = 0;
          for (let i = 0; i < k; i++) {
            for (let j = 0; j < k; j++) {
              const y = r + i - h, z = c + j - h;
              if (y >= 0 && y < n && z >= 0 && z < n) s += x[y][z] * kernel[i][j];
            }
          }
          row.push(s);
        }
        out.push(row);
      }
      return { out, kernel };
    },
    // The Filters page's convention: signed -> PuOr_r over [-max|r|, max|r|]; otherwise gray_r over [0, max].
    scale(values) {
      const flat = values.flat();
      const min = Math.min(...flat), max = Math.max(...flat);
      const lim = Math.max(Math.abs(min), Math.abs(max)) || 1;
      return min < 0 ? { name: "PuOr_r", vmin: -lim, vmax: lim } : { name: "gray_r", vmin: 0, vmax: lim };
    },
    // matplotlib's lookup: index floor(256 * (v - vmin) / (vmax - vmin)), clipped to 0..255.
    index(v, s) {
      const t = (v - s.vmin) / (s.vmax - s.vmin);
      return Math.max(0, Math.min(255, Math.floor(t * 256)));
    },
  };
  window.cgKernelCore = core;

  const el = (tag, attrs = {}, text) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const fmt = (v) => (Math.abs(v) < 5e-5 ? "0.0000" : v.toFixed(4));
  const ZOOM = 7;
  const LIMIT = 1e6;  // the largest weight accepted: every response stays a finite number
  const usable = (v) => typeof v === "number" && Number.isFinite(v) && Math.abs(v) <= LIMIT;

  function paint(canvas, values, scale, lut) {
    const n = values.length;
    const ctx = canvas.getContext("2d");
    const img = ctx.createImageData(n, n);
    values.forEach((row, r) => row.forEach((v, c) => {
      const rgb = lut[core.index(v, scale)];
      const o = 4 * (r * n + c);
      img.data[o] = rgb[0]; img.data[o + 1] = rgb[1]; img.data[o + 2] = rgb[2]; img.data[o + 3] = 255;
    }));
    ctx.putImageData(img, 0, 0);
  }

  function mount(root) {
    const data = JSON.parse(document.getElementById(root.dataset.source).textContent);
    const x = data.digit.map((row) => row.map((v) => Math.fround(v / 255)));
    const n = x.length;
    let weights = data.kernels[data.start].map((r) => [...r]), preset = data.start, convolve = false;
    let result = null, cursor = [Math.floor(n / 2), Math.floor(n / 2)];

    root.replaceChildren();
    // Material binds single keys on the whole page (p and "," previous page, n and "." next page, s, f and /
    // search). While the widget has focus a typed key is the widget's: it never leaves the page.
    root.addEventListener("keydown", (e) => {
      if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) e.stopPropagation();
    });
    const id = (s) => `${root.id}-${s}`;
    const controls = el("div", { class: "cg-controls" });
    const presetSel = el("select", { id: id("preset") });
    for (const name of Object.keys(data.kernels)) presetSel.append(el("option", { value: name }, name));
    presetSel.append(el("option", { value: "" }, "custom"));
    presetSel.addEventListener("change", () => presetSel.value && set({ preset: presetSel.value }));
    const wrap = el("span", { class: "cg-control" });
    wrap.append(el("label", { for: presetSel.id }, "Kernel"), presetSel);
    const modes = el("fieldset", { class: "cg-control" });
    modes.append(el("legend", {}, "Operation"));
    const modeInputs = [["correlate", "cross-correlation (Conv2D)"], ["convolve", "true convolution (kernel turned)"]]
      .map(([value, text]) => {
        const input = el("input", { type: "radio", name: id("mode"), id: id(value), value });
        input.addEventListener("change", () => set({ convolve: value === "convolve" }));
        const label = el("label", { for: input.id }, text);
        modes.append(input, label);
        return input;
      });
    controls.append(wrap, modes);

    const kernelTable = el("table", { class: "cg-kp-kernel" });
    kernelTable.append(el("caption", {}, "Kernel weights (edit any)"));
    const kernelInputs = [0, 1, 2].map((i) => {
      const tr = el("tr");
      const row = [0, 1, 2].map((j) => {
        const input = el("input", { type: "number", step: "0.1", "aria-label": `weight row ${i + 1} column ${j + 1}` });
        input.addEventListener("change", () => {
          const text = input.value.trim(), v = Number(text);
          if (text === "" || !usable(v)) {  // said, and the weight kept: never a silent 0, never Infinity
            problem.textContent = `Weight row ${i + 1} column ${j + 1}: ` +
              (text === "" ? "empty or not a number" : `"${text}" is not usable`) +
              `; give a number from -1,000,000 to 1,000,000. It stays ${weights[i][j]}.`;
            problem.hidden = false;
            input.value = String(weights[i][j]);
            input.setAttribute("aria-invalid", "true");
            input.setAttribute("aria-describedby", problem.id);
            return;
          }
          const w = weights.map((r) => [...r]);
          w[i][j] = v;
          set({ kernel: w });
        });
        const td = el("td");
        td.append(input);
        tr.append(td);
        return input;
      });
      kernelTable.append(tr);
      return row;
    });
    const applied = el("p", { class: "cg-products cg-kp-applied" });
    const problem = el("p", { class: "cg-error", id: id("problem"), role: "status", "aria-live": "polite" });
    problem.hidden = true;

    const canvas = (label) => {
      const c = el("canvas", { width: n, height: n, role: "img", "aria-label": label });
      c.style.width = c.style.height = `${n * ZOOM}px`;
      return c;
    };
    const digitCanvas = canvas(`MNIST test digit ${data.digit_index}, a ${data.label}, in grey scale`);
    const respCanvas = canvas("the kernel's response");
    respCanvas.tabIndex = 0;
    const figure = (c, text) => {
      const f = el("figure", { class: "cg-grid" });
      f.append(c, el("figcaption", {}, text));
      return f;
    };
    const respCaption = el("span");
    const pictures = el("div", { class: "cg-row" });
    pictures.append(figure(digitCanvas, `Input: test digit ${data.digit_index} (a ${data.label}), pixels 0 to 1`),
      (() => { const f = figure(respCanvas, ""); f.querySelector("figcaption").append(respCaption); return f; })());
    const range = el("p", { class: "cg-kp-range" });
    const readout = el("p", { class: "cg-status", "aria-live": "polite" });
    const left = el("div");
    left.append(kernelTable, problem, applied);
    const body = el("div", { class: "cg-row" });
    body.append(left, pictures);
    root.append(controls, body, range, readout);
    const digitScale = { name: "gray_r", vmin: 0, vmax: 1 };
    paint(digitCanvas, x, digitScale, data.scales.gray_r);

    respCanvas.addEventListener("mousemove", (e) => {
      const box = respCanvas.getBoundingClientRect();
      cursor = [Math.floor((e.clientY - box.top) / box.height * n), Math.floor((e.clientX - box.left) / box.width * n)]
        .map((v) => Math.max(0, Math.min(n - 1, v)));
      read();
    });
    respCanvas.addEventListener("keydown", (e) => {
      const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      if (!moves[e.key]) return;
      e.preventDefault();
      cursor = cursor.map((v, a) => Math.max(0, Math.min(n - 1, v + moves[e.key][a])));
      read();
    });

    // Public: {preset}, {kernel: 3x3}, {convolve: bool}, in any combination.
    function set(s) {
      if (s.preset !== undefined) {
        if (!data.kernels[s.preset]) throw new Error("no kernel " + s.preset);
        weights = data.kernels[s.preset].map((r) => [...r]);
        preset = s.preset;
      }
      if (s.kernel !== undefined) {
        if (!s.kernel.every((r) => r.every((v) => usable(Number(v))))) throw new Error("unusable weight in " + s.kernel);
        weights = s.kernel.map((r) => r.map(Number));
        preset = Object.keys(data.kernels).find((k) =>
          data.kernels[k].every((row, i) => row.every((v, j) => v === weights[i][j]))) || "";
      }
      if (s.convolve !== undefined) convolve = !!s.convolve;
      if (s.cursor !== undefined) cursor = [...s.cursor];
      render();
      return state();
    }

    function render() {
      problem.hidden = true;
      problem.textContent = "";
      root.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
      presetSel.value = preset;
      modeInputs[0].checked = !convolve;
      modeInputs[1].checked = convolve;
      kernelInputs.forEach((row, i) => row.forEach((input, j) => {
        if (Number(input.value) !== weights[i][j] || input.value === "") input.value = String(weights[i][j]);
      }));
      result = core.respond(x, weights, convolve);
      const scale = core.scale(result.out);
      paint(respCanvas, result.out, scale, data.scales[scale.name]);
      const flat = result.out.flat();
      const min = Math.min(...flat), max = Math.max(...flat);
      applied.textContent = (convolve ? "Turned kernel actually applied: " : "Kernel applied as is: ") +
        result.kernel.map((r) => "[" + r.map((v) => +v.toFixed(4)).join(", ") + "]").join(" ");
      const name = preset || "custom kernel";
      respCaption.textContent = `${name}, ${convolve ? "true convolution" : "cross-correlation"}: ` +
        (scale.name === "PuOr_r" ? `purple negative, orange positive, white zero (±${fmt(scale.vmax)})`
          : `grey scale from 0 (white) to ${fmt(scale.vmax)} (black)`);
      respCanvas.setAttribute("aria-label", `Response of the digit to the ${name} by ` +
        `${convolve ? "true convolution" : "cross-correlation"}, from ${fmt(min)} to ${fmt(max)}; ` +
        "use the arrow keys to read single pixels");
      range.textContent = `Response from ${fmt(min)} to ${fmt(max)}.`;
      root.dataset.scale = JSON.stringify(scale);
      read();
    }

    function read() {
      const [r, c] = cursor;
      readout.textContent = `Pixel row ${r}, column ${c}: input ${fmt(x[r][c])}, response ${fmt(result.out[r][c])}.`;
    }

    // Everything shown, read back from the page: the numbers as text, the picture as pixels.
    function state() {
      const pixels = Array.from(respCanvas.getContext("2d").getImageData(0, 0, n, n).data);
      return { preset, convolve, weights: kernelInputs.map((row) => row.map((i) => Number(i.value))),
        applied: applied.textContent, range: range.textContent, readout: readout.textContent, cursor: [...cursor],
        scale: JSON.parse(root.dataset.scale), pixels, caption: respCaption.textContent };
    }

    window.cgKernelPlayground = { set, state };
    set({ preset: data.start });
  }

  function start() {
    document.querySelectorAll(".cg-widget[data-widget=kernel-playground]").forEach(mount);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
