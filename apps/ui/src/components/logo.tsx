/** Ferry's mark: a hull and a sail, drawn (no emoji font needed) */
export function Logo() {
  return (
    <svg width="20" height="20" viewBox="0 0 16 16" aria-hidden="true" style={{ verticalAlign: "-3px", marginRight: 6 }}>
      <path d="M1 10.5h14l-2.2 3.5H3.2z" fill="var(--accent)" />
      <path d="M7.2 1.5v8H2.6z" fill="var(--muted)" />
      <path d="M8.2 3v6.5h4.2z" fill="var(--accent)" opacity=".6" />
    </svg>
  );
}
