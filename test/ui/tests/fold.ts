/**
 * Unfolding the panel's sections as a user does: a notification that lands
 * over a section's header (JupyterLab's toasts sit bottom-right, where the
 * right-hand panel's lower headers are at 1024×768) is closed first with its
 * own "Hide notification" button, then the header is clicked.
 */
import { Page } from '@playwright/test';

const toastClose = (page: Page) =>
  page.locator('.Toastify__toast button[title="Hide notification"]');

/** Close every notification on screen, as a user does before reading on. */
export async function closeToasts(page: Page): Promise<void> {
  const close = toastClose(page);
  while ((await close.count()) > 0) {
    await close.first().click();
  }
}

/** Unfold every folded section of the nbrepro panel. */
export async function unfoldAll(page: Page): Promise<void> {
  const folded = page.locator(
    '#nbrepro-sidebar .jp-nbrepro-Fold-header[aria-expanded="false"]'
  );
  let tries = 0;
  while ((await folded.count()) > 0) {
    try {
      await folded.first().click({ timeout: 3000 });
    } catch (error) {
      // A notification arrived over the header (drift is announced a
      // moment after the kernel starts): close it and try again.
      if (++tries > 5 || (await toastClose(page).count()) === 0) {
        throw error;
      }
      await closeToasts(page);
    }
  }
}
