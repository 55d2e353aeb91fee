import { useEffect, useState } from "react";

/** light or dark, remembered; index.html applies it before the first paint */
export function ThemeToggle() {
  const [theme, setTheme] = useState(document.documentElement.dataset.theme ?? "light");
  const next = theme === "dark" ? "light" : "dark";
  return (
    <button
      className="link-button"
      aria-label={`Switch to the ${next} theme`}
      onClick={() => {
        document.documentElement.dataset.theme = next;
        localStorage.setItem("ferry.theme", next);
        window.dispatchEvent(new Event("ferry-theme"));
        setTheme(next);
      }}
    >
      {theme === "dark" ? "☀ Light" : "☾ Dark"}
    </button>
  );
}

/** the current theme, for parts that draw with their own colours (Monaco, charts) */
export function currentTheme(): "light" | "dark" {
  return document.documentElement.dataset.theme === "dark" ? "dark" : "light";
}

/** the current theme, re-rendering when it is switched */
export function useTheme(): "light" | "dark" {
  const [theme, setTheme] = useState(currentTheme());
  useEffect(() => {
    const update = () => setTheme(currentTheme());
    window.addEventListener("ferry-theme", update);
    return () => window.removeEventListener("ferry-theme", update);
  }, []);
  return theme;
}
