package org.example.ledger.web;

import java.math.BigDecimal;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import org.example.ledger.service.TransferRules;

/** The body of {@code POST /api/accounts}; numbers as in {@link NewTransfer}. */
public class NewAccount {

    @NotBlank
    @Size(max = 60)
    public String name;

    @NotNull
    @PositiveOrZero
    @Digits(integer = 18, fraction = 0, message = "must be a whole number")
    @DecimalMax(TransferRules.MAX_AMOUNT_TEXT)
    public BigDecimal openingBalanceCents = BigDecimal.ZERO;
}
