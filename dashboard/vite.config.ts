import { sveltekit } from "@sveltejs/kit/vite";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [sveltekit()],
  // The dashboard reads the metrics schema and client from the repository's shared `db/` folder.
  server: { fs: { allow: [".."] } },
});
