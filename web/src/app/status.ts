import { ApiError } from "../shared/api.js";

const status = () => document.getElementById("status")!;

/** Says what went wrong in words (the error catalog's), with the service's detail if any. */
export function showError(error: unknown): void {
  const element = status();
  if (error instanceof ApiError) {
    element.textContent =
      error.detail === undefined ? error.message : `${error.message}: ${error.detail}`;
  } else {
    element.textContent = `Something went wrong in the page: ${String(error)}`;
  }
  element.hidden = false;
}

export function clearError(): void {
  status().hidden = true;
  status().textContent = "";
}
