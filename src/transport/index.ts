export { Transport, type AddpOptions, type Endpoint, type TransportEvents, type TransportOptions } from './transport.js';
