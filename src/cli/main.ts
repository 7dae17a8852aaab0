// `byoc`: the operator's command line over the admin API (run by bin/byoc.js through tsx).
import { main } from "./program.js";

process.exit(await main(process.argv));
