// Runs isolation.spec.js with the README's e2e/fixtures.js, three workers at once, against the
// stub at STUB_URL, in the system's Chromium (tests/test_sessions_playwright.py sets both).
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './e2e',
  fullyParallel: true,
  workers: 3,
  reporter: 'line',
  use: { baseURL: process.env.STUB_URL, launchOptions: { executablePath: process.env.CHROMIUM } },
});
