// Copy the pinned front-end libraries from node_modules into fangkong/static/vendor.
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "fangkong", "static", "vendor");
const files = {
  "htmx.org/dist/htmx.min.js": "htmx.min.js",
  "@picocss/pico/css/pico.min.css": "pico.min.css",
  "echarts/dist/echarts.min.js": "echarts.min.js",
};
mkdirSync(out, { recursive: true });
for (const [src, dest] of Object.entries(files)) {
  copyFileSync(join(root, "node_modules", src), join(out, dest));
  console.log(`assets: ${src} -> fangkong/static/vendor/${dest}`);
}
