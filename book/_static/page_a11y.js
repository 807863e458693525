// Accessibility and dark mode for the book's pages (WCAG 2.1 AA; audited by axe-core in tests/test_site.py).
//
// * Names that match what a button shows: the theme gives some controls an aria-label that differs from
//   their visible text ("Search" on a button that reads "Search Ctrl+K"), which fails "label in name".
// * The bibliography's citation list gets the list items its role promises.
// * Saved widgets: slider handles are named by their labels, pictures get their figure's alt text.
// * Every plotly figure becomes a named figure: role="figure", its name from the caption (without the alt
//   text) and its description from the whole caption (alt text included), so a screen reader announces it.
// * Dark mode: plotly figures follow the theme's light/dark switch, with light text on a dark background
//   (trace colours stay the book's colour-blind-safe palette).
(function () {
  "use strict";

  function fixNames() {
    document.querySelectorAll("button.search-button-field[aria-label], details > summary[aria-label]").forEach((el) => {
      if (el.textContent.trim()) el.removeAttribute("aria-label"); // its visible text names it
    });
    document.querySelectorAll(".theme-switch-button i, .search-button__kbd-shortcut").forEach((el) => {
      el.setAttribute("aria-hidden", "true");
      el.removeAttribute("title"); // the button's own label ("Color mode") names it
    });
    document.querySelectorAll('.citation-list[role="list"] > *').forEach((el) => el.setAttribute("role", "listitem"));
    // Saved ipywidgets: a slider handle is named by its widget's label; a picture a widget shows gets the
    // alt text of the figure caption below its cell.
    document.querySelectorAll(".widget-slider [role='slider']:not([aria-label])").forEach((handle) => {
      const label = handle.closest(".widget-slider").querySelector(".widget-label");
      handle.setAttribute("aria-label", (label && label.textContent.trim()) || "slider");
    });
    document.querySelectorAll(".jupyter-widgets img:not([alt])").forEach((img) => {
      const caption = captionFor(img);
      const text = caption ? caption.textContent.replace(/\s+/g, " ").trim() : "";
      img.setAttribute("alt", text.includes("Alt text:") ? text.split("Alt text:")[1].trim() : text);
    });
  }

  function captionFor(plot) {
    let block = plot.closest(".cell") || plot.closest(".output");
    for (let i = 0; block && i < 4; i++) {
      block = block.nextElementSibling;
      if (block && /^\s*Figures? \d+\.\d+/.test(block.textContent)) return block;
    }
    return null;
  }

  let captions = 0;
  function nameFigures() {
    document.querySelectorAll(".js-plotly-plot:not([role])").forEach((plot) => {
      const caption = captionFor(plot);
      plot.setAttribute("role", "figure");
      if (!caption) {  // a live widget's figure, captioned only by its own title
        const title = ((plot.layout || {}).title || {}).text || "";
        plot.setAttribute("aria-label", `Interactive figure: ${title.replace(/<[^>]+>/g, " ").trim() || "no title"}`);
        return;
      }
      if (!caption.id) caption.id = "figure-caption-" + ++captions;
      const text = caption.textContent.trim().replace(/\s+/g, " ");
      plot.setAttribute("aria-label", text.split(" Alt text:")[0]); // the caption; its alt text describes
      plot.setAttribute("aria-describedby", caption.id);
    });
  }

  const DARK = { paper: "#1c1f23", font: "#e4e7eb", grid: "#3d434a", line: "#8b949e" };
  const isDark = () => document.documentElement.dataset.theme === "dark";

  function axesOf(plot) {
    return Object.keys(plot._fullLayout || {}).filter((key) => /^[xy]axis\d*$/.test(key));
  }

  function followTheme(plot) {
    const mode = isDark() ? "dark" : "light";
    if (!window.Plotly || !plot._fullLayout || plot.dataset.mode === mode) return;
    if (!plot.__lightLayout) {
      const layout = plot.layout, light = {};
      light.paper_bgcolor = layout.paper_bgcolor ?? null;
      light.plot_bgcolor = layout.plot_bgcolor ?? null;
      light["font.color"] = (layout.font || {}).color ?? null;
      light["legend.bgcolor"] = (layout.legend || {}).bgcolor ?? null;
      for (const axis of axesOf(plot)) {
        const own = layout[axis] || {};
        light[`${axis}.gridcolor`] = own.gridcolor ?? null;
        light[`${axis}.zerolinecolor`] = own.zerolinecolor ?? null;
        light[`${axis}.linecolor`] = own.linecolor ?? null;
      }
      plot.__lightLayout = light;
    }
    let update = plot.__lightLayout;
    if (mode === "dark") {
      update = { paper_bgcolor: DARK.paper, plot_bgcolor: DARK.paper, "font.color": DARK.font,
                 "legend.bgcolor": "rgba(0,0,0,0)" };
      for (const axis of axesOf(plot)) {
        update[`${axis}.gridcolor`] = DARK.grid;
        update[`${axis}.zerolinecolor`] = DARK.line;
        update[`${axis}.linecolor`] = DARK.line;
      }
    }
    plot.dataset.mode = mode;
    window.Plotly.relayout(plot, update);
  }

  function tick() {
    fixNames();
    nameFigures();
    document.querySelectorAll(".js-plotly-plot").forEach(followTheme);
  }

  let pending = false;
  const soon = () => {
    if (!pending) {
      pending = true;
      requestAnimationFrame(() => { pending = false; fixNames(); nameFigures(); });
    }
  };

  document.addEventListener("DOMContentLoaded", () => {
    tick();
    new MutationObserver(soon).observe(document.body, { childList: true, subtree: true }); // widgets draw late
    // Figures and widgets draw after the page loads; keep up with them for a while, and with every theme switch.
    let runs = 0;
    const timer = setInterval(() => { tick(); if (++runs > 40) clearInterval(timer); }, 250);
    new MutationObserver(tick).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  });
})();
