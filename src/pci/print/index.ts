// lspci-compatible printer.
export { printFunction, type PrintOptions } from './lspci.js';
export { expressTitle, expressTypeText } from './std-caps.js';
export { deviceLine } from './device.js';
