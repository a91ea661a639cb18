import adapter from "@sveltejs/adapter-node";

/** @type {import('@sveltejs/kit').Config} */
export default {
  kit: {
    adapter: adapter(),
    typescript: {
      config: (config) => ({ ...config, compilerOptions: { ...config.compilerOptions, allowImportingTsExtensions: true } }),
    },
  },
};
