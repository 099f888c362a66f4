/**
 * The two tabs. The StyleGAN3 tab's code lives in js/stylegan3/tab.js (its own module,
 * `mountStyleGAN3Tab(rootElement)`) and is imported on first open, so the GAN Lab tab
 * never waits for it and a missing module only affects its own tab.
 */

const STYLEGAN3_MODULE = "./stylegan3/tab.js";

export function createTabs() {
  const buttons = document.querySelectorAll("[data-tab]");
  let mounted = false;

  async function mountStyleGAN3(root) {
    mounted = true;
    try {
      const module = await import(STYLEGAN3_MODULE);
      await module.mountStyleGAN3Tab(root);
    } catch (error) {
      root.replaceChildren(Object.assign(document.createElement("p"), {
        className: "stylegan3-error",
        textContent: `The StyleGAN3 tab could not be loaded (${error.message}).`,
      }));
      console.warn("StyleGAN3 tab unavailable:", error);
    }
  }

  function show(name) {
    for (const b of buttons) {
      const on = b.dataset.tab === name;
      b.setAttribute("aria-selected", String(on));
      document.getElementById(`tab-${b.dataset.tab}`).hidden = !on;
    }
    // Header tools that belong to the GAN Lab tab (class ganlab-only) step aside on the other tab.
    document.body.classList.toggle("on-stylegan3", name === "stylegan3");
    if (name === "stylegan3" && !mounted) mountStyleGAN3(document.getElementById("tab-stylegan3"));
  }

  buttons.forEach((b) => b.addEventListener("click", () => show(b.dataset.tab)));
  if (/(^#|&)sg3\./.test(location.hash)) show("stylegan3"); // a shared StyleGAN3 link opens its tab
  return { show };
}
