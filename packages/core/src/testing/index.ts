export { createReferenceBackend } from './reference-backend.js';
