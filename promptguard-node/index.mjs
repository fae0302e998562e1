// ES module entry: the same API as index.js (which it loads).
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const promptguard = require('./index.js')

export const { scan, Engine, VERSION, PRESETS, STRICTNESS, THREAT_TYPES } = promptguard
export default promptguard
