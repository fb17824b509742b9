import { copyFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";

/**
 * Builds the web page and the widget into dist/web/ (npm run build:web; the image's build stage
 * runs it, `npm start` runs it first). The page's script and stylesheet get content-hashed names
 * under assets/ (served immutable); index.html names them and is revalidated. The widget keeps a
 * stable name, lead-score.js, because other sites' pages point at it.
 */
const WEB = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_OUT_DIR = path.join(WEB, "..", "dist", "web");

function outputOf(metafile: Metafile, entry: string): string {
  const found = Object.entries(metafile.outputs).find(([, output]) => output.entryPoint === entry);
  if (found === undefined) throw new Error(`esbuild wrote nothing for ${entry}`);
  return found[0];
}

export async function buildWeb(
  outDir: string = DEFAULT_OUT_DIR,
  { quiet = false }: { quiet?: boolean } = {},
): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const common = {
    bundle: true,
    minify: true,
    format: "esm",
    target: "es2022",
    legalComments: "none",
    logLevel: "warning",
  } as const;
  const page = await build({
    ...common,
    entryPoints: ["web/src/app/main.ts", "web/src/app/styles.css"],
    absWorkingDir: path.join(WEB, ".."),
    outdir: path.join(outDir, "assets"),
    entryNames: "[name]-[hash]",
    metafile: true,
  });
  await build({
    ...common,
    entryPoints: ["web/src/widget/lead-score.ts"],
    absWorkingDir: path.join(WEB, ".."),
    outfile: path.join(outDir, "lead-score.js"),
  });
  const relative = (file: string) =>
    path
      .relative(outDir, path.join(WEB, "..", file))
      .split(path.sep)
      .join("/");
  const script = relative(outputOf(page.metafile, "web/src/app/main.ts"));
  const style = relative(outputOf(page.metafile, "web/src/app/styles.css"));
  const template = await readFile(path.join(WEB, "src", "index.html"), "utf8");
  await writeFile(
    path.join(outDir, "index.html"),
    template.replace("%SCRIPT%", script).replace("%STYLE%", style),
  );
  await copyFile(
    path.join(WEB, "examples", "widget.html"),
    path.join(outDir, "widget-example.html"),
  );
  if (!quiet) console.log(`web page built in ${outDir}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildWeb(process.argv[2]);
