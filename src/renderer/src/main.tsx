import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
// Light or dark is decided before the first paint (the choice, or the OS's).
import './components/theme';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
