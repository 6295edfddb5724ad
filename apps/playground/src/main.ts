/** Entry point: styles, the app, and a read-only handle for the end-to-end tests. */
import './ui/styles.css';
import { App } from './ui/app.js';

const app = new App();
(window as unknown as { playground: App }).playground = app;
void app.start();
