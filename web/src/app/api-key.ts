/** The API key lives in this tab's session storage only: gone when the tab closes. */
const STORAGE_KEY = "lead-scoring.api-key";

export function storedKey(): string | undefined {
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
}

export function storeKey(key: string): void {
  sessionStorage.setItem(STORAGE_KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** Shows the key form and resolves with the key the person submits. */
export function askForKey(form: HTMLFormElement): Promise<string> {
  form.hidden = false;
  const input = form.querySelector<HTMLInputElement>("input")!;
  input.focus();
  return new Promise((resolve) => {
    form.addEventListener(
      "submit",
      (event) => {
        event.preventDefault();
        form.hidden = true;
        storeKey(input.value.trim());
        resolve(input.value.trim());
      },
      { once: true },
    );
  });
}
