/** A promise a test opens by hand: handlers await `latch.opened` until the test calls `open()`. */
export interface Latch {
  readonly opened: Promise<void>;
  readonly isOpen: boolean;
  open(): void;
}

export function latch(): Latch {
  let open!: () => void;
  let isOpen = false;
  const opened = new Promise<void>((resolve) => {
    open = () => {
      isOpen = true;
      resolve();
    };
  });
  return {
    opened,
    get isOpen() {
      return isOpen;
    },
    open,
  };
}
