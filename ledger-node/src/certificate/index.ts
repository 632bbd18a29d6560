export * from './claim.js';
export * from './build-certificate.js';
export * from './verify-certificate.js';
export * from './certificate-html.js';
