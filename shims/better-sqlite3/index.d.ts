export { default } from 'better-sqlite3-multiple-ciphers';
