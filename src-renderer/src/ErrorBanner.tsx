export function ErrorBanner({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <div className="banner error" role="alert">
      {error}
    </div>
  );
}

export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
