// `byoc`: the operator's command line over the admin API (run by bin/byoc.js).
import { Exit } from "./errors.js";
import { main } from "./program.js";

// `byoc logs x | head`: the reader left; that is the end of the job, not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => { if (err.code === "EPIPE") process.exit(Exit.Ok); });
process.exit(await main(process.argv));
