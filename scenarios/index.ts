export * from './types.ts';
export * from './catalog.ts';
export * from './select.ts';
export * from './products.ts';
export * from './pilot.ts';
