// Many tests at once against one stub, each in the session the README's fixture gives it.
import { test, expect } from './fixtures.js';

const KEY = { 'embed-api-key': 'pn-demo-key' };
const PAGE_ACCOUNT = 'cmqi7jyir0003v0m91hxnyyaq';
// The page calls the stub from its own origin, as the app under test would.
const call = (page, path, method = 'GET') => page.evaluate(async ([path, method, key]) => {
  const response = await fetch(path, { method, headers: key });
  return [response.status, await response.json()];
}, [path, method, KEY]);

for (let n = 0; n < 6; n++) {
  test(`every test deletes the same account, in its own session (${n})`, async ({ page }) => {
    await page.goto('/__admin/health');
    expect((await call(page, `/social-account/${PAGE_ACCOUNT}`))[0]).toBe(200);
    expect((await call(page, `/social-account/${PAGE_ACCOUNT}`, 'DELETE'))[0]).toBe(200);
    expect((await call(page, `/social-account/${PAGE_ACCOUNT}`))[0]).toBe(404);
  });
}

test.describe('empty states', () => {
  test.use({ mockScenario: 'empty-workspace' });
  test('a test on another scenario sees its data only', async ({ page }) => {
    await page.goto('/__admin/health');
    const [status, body] = await call(page, '/social-account');
    expect(status).toBe(200);
    expect(Object.values(body.data.socialAccounts).flat()).toEqual([]);
  });
});
