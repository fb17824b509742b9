import { existsSync } from "node:fs";
import path from "node:path";
import helmet from "@fastify/helmet";
import fastifyStatic from "@fastify/static";
import { PACKAGE_ROOT } from "../../package-root.js";
import type { App } from "../fastify.js";

/** Where `npm run build:web` (web/build.ts) writes the page, its hashed assets and the widget. */
export const WEB_BUILD_DIR = path.join(PACKAGE_ROOT, "dist", "web");

/** The page's URL; "/" redirects here. */
export const WEB_PAGE_PATH = "/app/";

/** Hashed file names never change content: a browser may keep them for a year unasked. */
const IMMUTABLE = "public, max-age=31536000, immutable";
/** index.html and the widget's stable URL: revalidated (ETag) on every use, so a deploy shows. */
const REVALIDATE = "no-cache";

/**
 * The page loads only its own scripts, styles and images and talks only to this service.
 * No inline script or style anywhere (web/src/app/waterfall.ts takes Plot's out).
 */
const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    fontSrc: ["'self'"],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
};

function cacheControl(file: string): string {
  return file.split(path.sep).includes("assets") ? IMMUTABLE : REVALIDATE;
}

/**
 * The web page (web/) at /app/, built at image build time: static files with caching headers and a
 * strict Content-Security-Policy, open to everyone (the page asks for an API key itself when the
 * API needs one). Without a build (a checkout that never ran build:web) the service still starts,
 * without the page, and says so.
 */
export async function registerWebPage(app: App, root: string = WEB_BUILD_DIR): Promise<void> {
  if (!existsSync(path.join(root, "index.html"))) {
    app.log.warn({ root }, "web page not built (npm run build:web): WEB_UI serves nothing");
    return;
  }
  // "/" and "/app" (no slash: the page's relative asset URLs need the directory form).
  for (const url of ["/", WEB_PAGE_PATH.slice(0, -1)]) {
    app.get(
      url,
      { schema: { hide: true }, config: { scope: "open", rateLimit: false } },
      (_, reply) => reply.redirect(WEB_PAGE_PATH, 302),
    );
  }
  await app.register(async (web) => {
    web.addHook("onRoute", (route) => {
      route.config = { ...route.config, scope: "open", rateLimit: false };
      route.schema = { ...route.schema, hide: true };
    });
    await web.register(helmet, {
      global: true,
      contentSecurityPolicy: CONTENT_SECURITY_POLICY,
      // The widget is loaded by pages on other origins (with CORS_ORIGINS); nothing here is private.
      crossOriginResourcePolicy: { policy: "cross-origin" },
    });
    await web.register(fastifyStatic, {
      root,
      prefix: WEB_PAGE_PATH,
      cacheControl: false,
      setHeaders: (reply, file) => {
        reply.header("cache-control", cacheControl(file));
      },
    });
  });
}
