import '@mantine/core/styles.css';
import { type CSSVariablesResolver, MantineProvider, createTheme } from '@mantine/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { consumeFragmentToken } from './session';

consumeFragmentToken();

// Colours chosen for WCAG AA contrast on white (axe "color-contrast"): indigo.8 and teal.9 carry white
// text at >= 4.5:1. autoContrast switches a filled widget's text to black when its colour is lighter than
// the threshold (relative luminance 0.179, where white and black text have equal contrast), so no
// filled button or badge can carry white text below 4.5:1 (green.9 did: 4.4:1).
const theme = createTheme({
  primaryColor: 'indigo',
  primaryShade: 8,
  autoContrast: true,
  luminanceThreshold: 0.179,
  fontFamily: 'system-ui, sans-serif',
});

// "Dimmed" text (input descriptions, secondary text) is gray.6 by default: 3.3:1 on white. gray.7 is 7.5:1.
const resolver: CSSVariablesResolver = () => ({
  variables: {},
  light: { '--mantine-color-dimmed': 'var(--mantine-color-gray-7)' },
  dark: {},
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} cssVariablesResolver={resolver} defaultColorScheme="light">
      <App />
    </MantineProvider>
  </StrictMode>,
);
