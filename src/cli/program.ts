/**
 * The askpw program: runs {@linkcode main} with the process's arguments and
 * ends the process with its exit status. The bundle (`deno task bundle`) and
 * `mod.ts`, run as the main module, start here.
 *
 * The process ends by itself once `main()` is done rather than by
 * `Deno.exit()`: only then does Deno store V8's compiled code of the program,
 * which is how the image builders' prepared cache gets made (see the
 * launcher, `tools/askpw-launcher.sh`). Whatever would still hold the event
 * loop open gets a second.
 *
 * @module
 */
import { main } from "./main.ts";

main(Deno.args).then((status) => {
  Deno.exitCode = status;
  Deno.unrefTimer(setTimeout(() => Deno.exit(status), 1000));
});
