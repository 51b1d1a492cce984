// Remembers the light/dark choice in a cookie so the server renders the next page in the same palette.
export function save(dark) {
    const value = dark ? "dark" : "light";
    document.cookie = `bt-theme=${value}; path=/; max-age=31536000; samesite=lax`;
    document.body.classList.toggle("bt-dark", dark);
    document.body.classList.toggle("bt-light", !dark);
}
